// Keyboard on the desk: j/k next/previous ticket, o/Enter open, x tick for a bulk action, r reply,
// n note, a assign to me, / search, u back to the list, ? help. Never while typing in a field (Esc leaves the field).
(function () {
  "use strict";
  var LIST_KEY = "helpdesk.list";
  var tbody = document.getElementById("ticket-rows");
  var live = document.getElementById("desk-live");
  var ticketId = live ? live.getAttribute("data-ticket") : null;

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    if (tag === "input") {  // a ticked checkbox keeps the focus: the keys still move and tick
      return ["checkbox", "radio"].indexOf(target.type) === -1;
    }
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function rows() {
    return tbody ? Array.prototype.slice.call(tbody.querySelectorAll("tr[data-id]")) : [];
  }

  function remember() {
    // The list's order, for j/k on the ticket pages opened from it.
    var ids = rows().map(function (tr) { return tr.getAttribute("data-id"); });
    sessionStorage.setItem(LIST_KEY, JSON.stringify({ids: ids, url: window.location.href}));
  }

  function remembered() {
    try { return JSON.parse(sessionStorage.getItem(LIST_KEY) || "null"); } catch (e) { return null; }
  }

  function select(step) {
    var all = rows();
    if (!all.length) { return; }
    var current = tbody.querySelector("tr.desk-selected");
    var index = current ? all.indexOf(current) + step : (step > 0 ? 0 : all.length - 1);
    index = Math.max(0, Math.min(all.length - 1, index));
    if (current) { current.classList.remove("desk-selected"); current.removeAttribute("aria-selected"); }
    all[index].classList.add("desk-selected");
    all[index].setAttribute("aria-selected", "true");
    all[index].scrollIntoView({block: "nearest"});
  }

  function openSelected() {
    var current = tbody && tbody.querySelector("tr.desk-selected a.desk-open");
    if (!current) { return false; }
    remember();
    window.location = current.href;
    return true;
  }

  function tick() {
    // Tick the current row for a bulk action (desk-bulk.js keeps the selection).
    var box = tbody && tbody.querySelector("tr.desk-selected input.desk-pick");
    if (!box) { return false; }
    box.click();
    return true;
  }

  function neighbour(step) {
    var list = remembered();
    if (!list || !ticketId) { return; }
    var index = list.ids.indexOf(String(ticketId));
    var next = index === -1 ? null : list.ids[index + step];
    var url = live.getAttribute("data-fresh").replace(/\/fresh$/, "");
    if (next) { window.location = url.replace(/\/\d+$/, "/" + next); }
  }

  function focus(id) {
    var box = document.getElementById(id);
    if (!box) { return false; }
    box.scrollIntoView({block: "center"});
    box.focus();
    return true;
  }

  function help() {
    var modal = document.getElementById("desk-keys-help");
    if (modal && window.bootstrap) { window.bootstrap.Modal.getOrCreateInstance(modal).toggle(); }
  }

  function closeSoon(element) {
    // Bootstrap ignores hide() while the dialog is still fading in: close it once it is shown.
    var modal = window.bootstrap.Modal.getOrCreateInstance(element);
    var later = function () { modal.hide(); };
    element.addEventListener("shown.bs.modal", later, {once: true});
    element.addEventListener("hidden.bs.modal", function () {
      element.removeEventListener("shown.bs.modal", later);
    }, {once: true});
    modal.hide();
  }

  function listUrl() {
    var list = remembered();
    return list ? list.url : (live && live.getAttribute("data-list-url")) || "/tickets";
  }

  var onList = {
    j: function () { select(1); }, k: function () { select(-1); },
    o: openSelected, Enter: openSelected, x: tick,
    "/": function () { return focus("desk-search"); }
  };
  var onTicket = {
    j: function () { neighbour(1); }, k: function () { neighbour(-1); },
    r: function () { return focus("reply-text"); }, n: function () { return focus("note-text"); },
    a: function () {
      var form = document.getElementById("desk-assign-me");
      if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
      return Boolean(form);
    },
    u: function () { window.location = listUrl(); },
    "/": function () { window.location = listUrl().split("#")[0] + "#search"; }
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    if (event.key === "?") { event.preventDefault(); help(); return; }
    var open = document.querySelector(".modal.show");
    if (open) {  // Esc closes the help even before it has taken the focus
      if (event.key === "Escape" && window.bootstrap) { closeSoon(open); }
      return;
    }
    var keys = ticketId ? onTicket : (tbody ? onList : null);
    var action = keys && keys[event.key];
    if (!action) { return; }
    if (event.key === "Enter" && !(tbody && tbody.querySelector("tr.desk-selected"))) { return; }
    if (action() !== false) { event.preventDefault(); }
  });

  if (tbody) {
    tbody.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("a.desk-open")) { remember(); }
    });
    if (window.location.hash === "#search") { focus("desk-search"); }
  }
}());
