/* The queue's live first-contact clock. The server renders each row's working seconds left (data-left) at
   data-rendered; here we subtract the working time that has passed since, using the working windows the
   server sent (data-windows), and re-word it with the translated plural forms (data-strings). With
   JavaScript off the server's wording stays, with the time it was worked out. */
(function () {
  "use strict";
  var table = document.querySelector("table[data-rendered]");
  if (!table) { return; }
  var rendered = Number(table.getAttribute("data-rendered"));
  var windows = JSON.parse(table.getAttribute("data-windows"));
  var strings = JSON.parse(table.getAttribute("data-strings"));
  var lang = document.documentElement.lang || "en";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var DAY = 8 * 3600;

  function workedSince(start, end) {
    var total = 0;
    windows.forEach(function (w) {
      var from = Math.max(w[0], start), to = Math.min(w[1], end);
      if (to > from) { total += to - from; }
    });
    return total;
  }

  function unit(name, n) {
    var forms = strings[name];
    var category = plural ? plural.select(n) : (n === 1 ? "one" : "other");
    return (forms[category] || forms.other).replace("{n}", String(n));
  }

  function describe(seconds) {
    var abs = Math.abs(seconds);
    var days = Math.floor(abs / DAY), hours = Math.floor((abs % DAY) / 3600), minutes = Math.floor((abs % 3600) / 60);
    var parts = [];
    if (days) { parts.push(unit("day", days)); }
    if (hours) { parts.push(unit("hour", hours)); }
    if (minutes && !days) { parts.push(unit("minute", minutes)); }
    if (!parts.length) { return seconds < 0 ? strings.overdue_now : strings.now; }
    return (seconds < 0 ? strings.overdue : strings.left).replace("{d}", parts.join(" "));
  }

  function tick() {
    var now = Math.floor(Date.now() / 1000);
    var passed = workedSince(rendered, now);
    table.querySelectorAll("td[data-left]").forEach(function (cell) {
      var left = Number(cell.getAttribute("data-left")) - passed;
      var text = describe(left);
      var target = cell.querySelector("strong") || cell;
      if (left < 0 && !cell.querySelector("strong")) {
        cell.textContent = "";
        target = document.createElement("strong");
        target.className = "overdue-label";
        cell.appendChild(target);
        cell.parentNode.classList.add("overdue");
      }
      if (target.textContent !== text) { target.textContent = text; }
    });
  }

  tick();
  window.setInterval(tick, 30000);
}());
