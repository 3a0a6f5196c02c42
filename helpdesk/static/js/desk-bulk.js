// Bulk actions on the list: tick rows (all of the page, or `x` on the current row), choose an
// action, apply. The selection is kept by ticket id with the version each row had when it was
// ticked, so a live refresh of the list (desk-live.js) never loses it; a row that changed after
// it was ticked keeps the version it was ticked at, and the server skips it with the reason
// instead of acting on a state its author has not seen. Without JavaScript the form still works.
(function () {
  "use strict";
  var form = document.getElementById("desk-bulk");
  var tbody = document.getElementById("ticket-rows");
  if (!form || !tbody) { return; }
  var picked = {};  // ticket id → the checkbox value when it was ticked ("id@version@number")
  var count = document.getElementById("desk-bulk-count");
  var action = document.getElementById("bulk-action");
  var clear = document.getElementById("bulk-clear");
  var alls = Array.prototype.slice.call(document.querySelectorAll(".desk-pick-all"));
  var CHANGED = "Изменено после того, как вы его выбрали: групповое действие его пропустит. " +
                "Снимите флажок и поставьте снова, чтобы действовать по новому состоянию.";
  var NEEDS = {assign: "bulk-assignee", route: "bulk-department", status: "bulk-status",
               close: "bulk-result"};

  function boxes() { return Array.prototype.slice.call(tbody.querySelectorAll("input.desk-pick")); }
  function idOf(box) { return box.closest("tr").getAttribute("data-id"); }

  function mark(box, changed) {
    // «изменено» before the citizen's name: the row changed after it was ticked.
    var tr = box.closest("tr"), old = tr.querySelector(".desk-changed");
    var text = tr.querySelector(".desk-c-text");
    if (changed && !old && text) {
      var badge = document.createElement("span");
      badge.className = "badge text-bg-warning desk-changed";
      badge.title = CHANGED;
      badge.textContent = "изменено";
      text.insertBefore(document.createTextNode(" "), text.firstChild);
      text.insertBefore(badge, text.firstChild);
    } else if (!changed && old) {
      old.remove();
    }
  }

  function show() {
    // The rows as `picked` says (a row the live list put in anew comes unticked).
    var shown = {};
    boxes().forEach(function (box) {
      var id = idOf(box), value = picked[id];
      if (!box.hasAttribute("data-fresh")) { box.setAttribute("data-fresh", box.value); }
      box.checked = Boolean(value);
      box.value = value || box.getAttribute("data-fresh");
      mark(box, Boolean(value) && value !== box.getAttribute("data-fresh"));
      box.closest("tr").classList.toggle("desk-picked", Boolean(value));
      if (value) { shown[id] = true; }
    });
    // Ticked tickets the list no longer shows (closed elsewhere, filtered out) stay selected:
    // the action names them if it skips them.
    Array.prototype.slice.call(form.querySelectorAll("input[data-away]")).forEach(function (i) { i.remove(); });
    var away = 0;
    Object.keys(picked).forEach(function (id) {
      if (shown[id]) { return; }
      away += 1;
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "tickets"; input.value = picked[id];
      input.setAttribute("data-away", "1");
      form.appendChild(input);
    });
    var total = Object.keys(picked).length, all = boxes();
    var onPage = all.filter(function (box) { return box.checked; }).length;
    count.textContent = "Выбрано: " + total + (away ? " (не видно в списке: " + away + ")" : "");
    form.hidden = total === 0;
    if (clear) { clear.hidden = total === 0; }
    alls.forEach(function (box) {
      box.hidden = false;
      box.closest("label") && (box.closest("label").hidden = false);
      box.checked = all.length > 0 && onPage === all.length;
      box.indeterminate = onPage > 0 && onPage < all.length;
    });
  }

  function pick(box, on) {
    var id = idOf(box);
    if (on) { picked[id] = box.getAttribute("data-fresh") || box.value; }
    else { delete picked[id]; }
  }

  tbody.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("desk-pick")) { return; }
    if (!box.hasAttribute("data-fresh")) { box.setAttribute("data-fresh", box.value); }
    pick(box, box.checked);
    show();
  });

  alls.forEach(function (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { pick(box, all.checked); });
      show();
    });
  });

  if (clear) {
    clear.addEventListener("click", function () { picked = {}; show(); });
  }

  function chooseAction() {
    // Only the choices of the chosen action are shown and sent.
    var chosen = action.value;
    Array.prototype.slice.call(form.querySelectorAll("[data-bulk]")).forEach(function (field) {
      var mine = field.getAttribute("data-bulk") === chosen;
      field.hidden = !mine;
      field.disabled = !mine;
      field.required = mine && NEEDS[chosen] === field.id;
    });
  }
  action.addEventListener("change", chooseAction);

  form.addEventListener("submit", function (event) {
    var total = Object.keys(picked).length;
    if (!total) { event.preventDefault(); return; }
    if (action.value === "close") {
      var result = document.getElementById("bulk-result");
      form.setAttribute("data-confirm", "Закрыть выбранные обращения (" + total + ") с результатом «" +
                        result.options[result.selectedIndex].text + "»?");
    } else {
      form.removeAttribute("data-confirm");
    }
  });

  // The live list put rows in anew or took some out (desk-live.js): tick them again.
  tbody.addEventListener("desk:rows", show);

  boxes().forEach(function (box) {  // a page restored by Back keeps its ticks
    box.setAttribute("data-fresh", box.value);
    if (box.checked) { pick(box, true); }
  });
  chooseAction();
  show();
}());
