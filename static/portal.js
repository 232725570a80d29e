/* The public pages' one script (one request, fetched again on every page: nothing is cached). Every page
 * works without it. First the quick exit, then the forms, each on its own, so that nothing in the second
 * can stop the first.
 *
 * Quick exit. Works as a plain link without this script; with it, leaving is faster and safer:
 * - the page is blanked at once, before the next page loads;
 * - location.replace() leaves through /exit (which ends the session and sends Clear-Site-Data)
 *   without adding an entry to the history;
 * - pressing Shift 3 times (each within 5 seconds of the last) leaves too. A Shift held for a capital
 *   letter, or any other key in between, starts the count again. Progress is announced to screen readers;
 * - leaving from one tab leaves every other tab of this website too (a link that opens in a new tab, say
 *   "Staying safe online" from a half-filled form, must not leave the form behind on the screen);
 * - coming back with the Back button shows the page, not a blank one. */
(function () {
  "use strict";
  var root = document.documentElement;
  var body = document.body;
  if (!body) { return; }
  var exitPath = body.getAttribute("data-exit-path") || "/exit";
  var status = document.getElementById("exit-status");
  var WINDOW_MS = 5000;
  var presses = 0, timer = null, shiftHeld = false, otherKey = false, leaving = false;
  var others = null;
  try { others = new BroadcastChannel("exit"); } catch (e) { others = null; }

  function say(text) { if (status) { status.textContent = text || ""; } }

  function leave(event) {
    if (event && event.preventDefault) { event.preventDefault(); }
    if (leaving) { return; }
    leaving = true;
    if (others) { try { others.postMessage("exit"); } catch (e) { /* leave this tab all the same */ } }
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

  if (others) { others.onmessage = function () { leave(); }; }

  /* The sticky exit bar must never hide what has keyboard focus (WCAG 2.2, 2.4.11): the page keeps
   * room for it at the top when it scrolls something into view (scroll-padding-top in portal.css). The
   * stylesheet assumes a bar of one line; here the bar's real height is measured, so that a label that
   * wraps (both languages on the landing page, large text) is allowed for too. */
  var bar = document.querySelector(".exit-bar");
  function measure() {
    if (bar && root.style.setProperty) { root.style.setProperty("--exit-bar", bar.offsetHeight + "px"); }
  }
  measure();
  window.addEventListener("resize", measure);
  if (bar && window.ResizeObserver) { new ResizeObserver(measure).observe(bar); }

  /* Back button: a page restored from the back/forward cache must not stay blank. */
  window.addEventListener("pageshow", function () {
    leaving = false;
    root.classList.remove("exiting");
    reset();
    say("");
  });
}());

/* Forms (GOV.UK patterns):
 * - a follow-up question shows only under the answer it follows ("Email address" under "Email"). Its
 *   answer is kept when it is hidden, and is there again when it shows. Without this script every
 *   question shows, as the page is sent;
 * - after a refused form, focus moves to the error summary, and its links bring the question's label or
 *   legend into view with the field, not the field alone. */
(function () {
  "use strict";
  var HIDDEN = "choice-details-hidden";

  function sync(input) {
    var id = input.getAttribute("aria-controls") || "";
    var target = document.getElementById(id);
    if (!target) { return; }
    /* Shown while any option that controls it is ticked (two options may share one follow-up). A follow-up
     * with an error stays in view: the error summary links to it. */
    var owners = document.querySelectorAll("input[aria-controls='" + id + "']");
    var shown = !!target.querySelector(".error-message");
    for (var k = 0; k < owners.length; k++) { shown = shown || owners[k].checked; }
    /* aria-expanded is a checkbox's state, not a radio's (ARIA 1.2): a radio has aria-controls only. */
    if (input.type === "checkbox") { input.setAttribute("aria-expanded", shown ? "true" : "false"); }
    if (shown) { target.classList.remove(HIDDEN); } else { target.classList.add(HIDDEN); }
  }

  var controls = document.querySelectorAll("input[data-aria-controls]");
  var ready = [];
  for (var i = 0; i < controls.length; i++) {
    var input = controls[i];
    if (!document.getElementById(input.getAttribute("data-aria-controls"))) { continue; }
    input.setAttribute("aria-controls", input.getAttribute("data-aria-controls"));
    input.removeAttribute("data-aria-controls");
    ready.push(input);
  }
  for (i = 0; i < ready.length; i++) { sync(ready[i]); }

  /* Ticking a radio unticks the others in its group, which fire nothing: sync the whole group. */
  document.addEventListener("change", function (event) {
    var changed = event.target;
    if (!changed || !changed.name || (changed.type !== "radio" && changed.type !== "checkbox")) { return; }
    var group = changed.form ? changed.form.elements[changed.name] : null;
    var members = group && group.length !== undefined ? group : [changed];
    for (var j = 0; j < members.length; j++) {
      if (members[j].getAttribute && members[j].getAttribute("aria-controls")) { sync(members[j]); }
    }
  });

  var summary = document.querySelector(".error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href^='#']") : null;
    var field = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
    if (!field) { return; }
    var fieldset = field.closest ? field.closest("fieldset") : null;
    var legend = fieldset && (field.type === "radio" || field.type === "checkbox")
      ? fieldset.querySelector("legend") : null;
    var label = legend || document.querySelector("label[for='" + field.id + "']") || field;
    event.preventDefault();
    label.scrollIntoView();  /* to the top, below the exit bar (scroll-padding-top) */
    field.focus({preventScroll: true});
  });
}());
