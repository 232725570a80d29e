/* Quick exit. Works as a plain link without this script; with it, leaving is faster and safer:
 * - the page is blanked at once, before the next page loads;
 * - location.replace() leaves through /exit (which ends the session and sends Clear-Site-Data)
 *   without adding an entry to the history;
 * - pressing Shift 3 times (each within 5 seconds of the last) leaves too. A Shift held for a capital
 *   letter, or any other key in between, starts the count again. Progress is announced to screen readers;
 * - coming back with the Back button shows the page, not a blank one. */
(function () {
  "use strict";
  var root = document.documentElement;
  var body = document.body;
  if (!body) { return; }
  var exitPath = body.getAttribute("data-exit-path") || "/exit";
  var status = document.getElementById("exit-status");
  var WINDOW_MS = 5000;
  var presses = 0, timer = null, shiftHeld = false, otherKey = false;

  function say(text) { if (status) { status.textContent = text || ""; } }

  function leave(event) {
    if (event) { event.preventDefault(); }
    root.classList.add("exiting");
    document.title = "";
    window.location.replace(exitPath);
  }

  function reset() {
    presses = 0;
    if (timer) { clearTimeout(timer); timer = null; }
  }

  var links = document.querySelectorAll("[data-exit]");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", leave);
    /* The button is a link with role="button": answer Space, as a button does. */
    links[i].addEventListener("keydown", function (event) {
      if (event.key === " " || event.key === "Spacebar") { leave(event); }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") {
      if (!event.repeat) { shiftHeld = true; otherKey = false; }
      return;
    }
    otherKey = shiftHeld;
    if (presses) { reset(); say(""); }
  }, true);

  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { return; }
    shiftHeld = false;
    if (otherKey) { otherKey = false; reset(); return; }  /* Shift was used for a capital letter */
    presses += 1;
    if (timer) { clearTimeout(timer); }
    if (presses >= 3) {
      say(body.getAttribute("data-exit-now"));
      leave();
      return;
    }
    say(body.getAttribute(presses === 1 ? "data-exit-two" : "data-exit-one"));
    timer = setTimeout(function () { reset(); say(""); }, WINDOW_MS);
  }, true);

  /* Back button: a page restored from the back/forward cache must not stay blank. */
  window.addEventListener("pageshow", function () {
    root.classList.remove("exiting");
    reset();
    say("");
  });
}());
