// The live desk: polls /live/poll about once a second (helpdesk.tickets.live_views says why not
// SSE) and applies what changed: list rows in place, unread counts on the tabs and in the title,
// browser notifications (opt-in), the open ticket's changed parts, who else has it open.
(function () {
  "use strict";
  var root = document.getElementById("desk-live");
  if (!root || !window.fetch) { return; }
  var VISIBLE_MS = 1000, HIDDEN_MS = 4000, TYPING_MS = 4000;
  var pollUrl = root.getAttribute("data-poll");
  var listArgs = root.getAttribute("data-list");          // a list page: its filters
  var ticketId = root.getAttribute("data-ticket");        // a ticket page: its id
  var cursor = root.getAttribute("data-cursor") || "";
  var baseTitle = document.title;
  var typingUntil = 0, stopped = false, refreshing = false, inflight = false, timer = null;
  var started = 0;  // when the current poll was sent: polls start a second apart, not a second after
  var tbody = document.getElementById("ticket-rows");
  var table = tbody ? tbody.closest("table") : null;

  function csrf() {
    var token = document.querySelector('input[name="csrf_token"]');
    return token ? token.value : "";
  }

  function notice(text) {
    var box = document.getElementById("desk-notice");
    if (box) { box.textContent = text; box.hidden = !text; }
  }

  function rows() {
    return tbody ? Array.prototype.slice.call(tbody.querySelectorAll("tr[data-id]")) : [];
  }

  // --- polling ---------------------------------------------------------------------------
  function schedule() {
    window.clearTimeout(timer);
    var wait = (document.hidden ? HIDDEN_MS : VISIBLE_MS) - (Date.now() - started);
    if (!stopped) { timer = window.setTimeout(tick, Math.max(200, wait)); }
  }

  function tick() {
    if (inflight || stopped) { return; }
    inflight = true;
    started = Date.now();
    var body = new URLSearchParams();
    body.set("cursor", cursor);
    if (listArgs !== null) {
      body.set("list", listArgs);
      var shown = rows();
      body.set("shown", shown.map(function (tr) { return tr.getAttribute("data-id"); }).join(","));
      if (shown.length && tbody.querySelector("tr.desk-more")) {  // later pages exist
        body.set("edge", shown[shown.length - 1].getAttribute("data-key"));
      }
    }
    if (ticketId) {
      body.set("ticket", ticketId);
      body.set("typing", Date.now() < typingUntil ? "1" : "0");
    }
    fetch(pollUrl, {method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                    headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}})
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          stopped = true;
          notice("Сеанс завершён: войдите снова, чтобы список обновлялся сам.");
          return null;
        }
        return response.ok ? response.json() : null;  // 5xx: try again at the next tick
      })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () { /* offline for a moment: the next tick tries again */ })
      .then(function () { inflight = false; schedule(); });
  }

  function apply(data) {
    if (data.cursor) { cursor = data.cursor; }
    if (data.counts) { applyCounts(data.counts); }
    if (data.reload) {
      if (listArgs !== null) { reloadList(); }
      if (ticketId) { refreshTicket(); }
    }
    (data.remove || []).forEach(function (id) {
      var tr = tbody && tbody.querySelector('tr[data-id="' + id + '"]');
      if (tr) { tr.remove(); }
    });
    if (data.rows) { upsertRows(data.rows); }
    if (data.rows || (data.remove && data.remove.length)) { rowsChanged(); }
    if (data.notify && data.notify.length) { notify(data.notify); }
    if (data.ticket) { applyTicket(data.ticket); }
  }

  // --- counts and title ------------------------------------------------------------------
  function applyCounts(counts) {
    Object.keys(counts.tabs || {}).forEach(function (key) {
      var badge = document.querySelector('[data-unread-tab="' + key + '"]');
      if (badge) { badge.textContent = counts.tabs[key]; badge.hidden = !counts.tabs[key]; }
    });
    document.title = counts.total ? "(" + counts.total_text + ") " + baseTitle : baseTitle;
  }

  // --- the list --------------------------------------------------------------------------
  function descending() {
    var sort = table ? table.getAttribute("data-sort") : "new";
    return sort === "new" || sort === "activity" || !sort;
  }

  function place(tr) {
    // Rows are kept in the list's order by their data-key; a row that sorts after the last one
    // shown belongs to a later page when there is one.
    var key = tr.getAttribute("data-key"), desc = descending();
    var current = rows();
    for (var i = 0; i < current.length; i++) {
      var other = current[i].getAttribute("data-key");
      if (desc ? other < key : other > key) { tbody.insertBefore(tr, current[i]); return true; }
    }
    if (tbody.querySelector("tr.desk-more")) { return false; }
    tbody.appendChild(tr);
    return true;
  }

  function upsertRows(html) {
    if (!tbody) { return; }
    var template = document.createElement("template");
    template.innerHTML = html;
    Array.prototype.slice.call(template.content.querySelectorAll("tr[data-id]")).forEach(function (tr) {
      var old = tbody.querySelector('tr[data-id="' + tr.getAttribute("data-id") + '"]');
      if (old) {
        if (old.classList.contains("desk-selected")) { tr.classList.add("desk-selected"); }
        old.remove();
      }
      if (place(tr)) {
        tr.classList.add("desk-flash");
        if (window.htmx) { window.htmx.process(tr); }
      }
    });
    if (table && rows().length) {
      table.hidden = false;
      var empty = document.getElementById("desk-empty");
      if (empty) { empty.hidden = true; }
    }
  }

  function rowsChanged() {
    // Rows were put in anew or taken out: the bulk selection (desk-bulk.js) ticks them again.
    if (tbody) { tbody.dispatchEvent(new CustomEvent("desk:rows")); }
  }

  function reloadList() {
    if (!tbody) { window.location.reload(); return; }
    fetch(window.location.href, {credentials: "same-origin", headers: {"HX-Request": "true"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        tbody.innerHTML = html;
        if (window.htmx) { window.htmx.process(tbody); }
        rowsChanged();
      });
  }

  // --- browser notifications (opt-in) ----------------------------------------------------
  var notifyButton = document.getElementById("desk-notify");
  var NOTIFY_KEY = "helpdesk.notify";

  function notifyOn() {
    return window.localStorage && localStorage.getItem(NOTIFY_KEY) === "1" &&
      "Notification" in window && Notification.permission === "granted";
  }

  function showNotifyButton() {
    if (!notifyButton || !("Notification" in window)) { return; }
    notifyButton.hidden = false;
    notifyButton.textContent = notifyOn() ? "Уведомления включены" : "Уведомлять о новых";
    notifyButton.setAttribute("aria-pressed", notifyOn() ? "true" : "false");
  }

  if (notifyButton) {
    notifyButton.addEventListener("click", function () {
      if (notifyOn()) { localStorage.removeItem(NOTIFY_KEY); showNotifyButton(); return; }
      Notification.requestPermission().then(function (permission) {
        if (permission === "granted") { localStorage.setItem(NOTIFY_KEY, "1"); }
        else { notice("Браузер не разрешил уведомления: разрешите их в настройках сайта."); }
        showNotifyButton();
      });
    });
    showNotifyButton();
  }

  function notify(arrivals) {
    if (!notifyOn()) { return; }
    var seen = JSON.parse(sessionStorage.getItem("helpdesk.notified") || "[]");
    var url = root.getAttribute("data-ticket-url") || "";
    arrivals.forEach(function (item) {
      if (seen.indexOf(item.id) !== -1) { return; }
      seen.push(item.id);
      var shown = new Notification("Новое обращение " + item.number,
                                   {body: "В вашей очереди", tag: "ticket-" + item.id});
      shown.onclick = function () { window.focus(); window.location = url.replace(/0$/, String(item.id)); };
    });
    sessionStorage.setItem("helpdesk.notified", JSON.stringify(seen.slice(-200)));
  }

  // --- the open ticket -------------------------------------------------------------------
  var PARTS = ["ticket-head", "conversation", "delivery-status", "deadlines-card", "citizen-card",
               "routing-card"];

  function typed(id) {
    var box = document.getElementById(id);
    return box && box.value.trim() !== "";
  }

  function refreshTicket() {
    if (refreshing) { return; }
    refreshing = true;
    var before = {};
    document.querySelectorAll("#conversation [id^='m']").forEach(function (m) { before[m.id] = true; });
    fetch(root.getAttribute("data-fresh"), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        PARTS.forEach(function (id) { swap(fresh, id); });
        var actions = document.getElementById("actions-card");
        if (actions && !actions.contains(document.activeElement)) { swap(fresh, "actions-card"); }
        var version = fresh.querySelector('input[name="version"]');
        if (version) { updateVersions(version.value); }
        document.querySelectorAll("#conversation [id^='m']").forEach(function (m) {
          if (!before[m.id]) { m.classList.add("message-fresh"); }
        });
      })
      .then(function () { refreshing = false; }, function () { refreshing = false; });
  }

  function swap(fresh, id) {
    var now = document.getElementById(id), next = fresh.getElementById(id);
    if (!now || !next) { return; }
    now.replaceWith(next);
    if (window.htmx) { window.htmx.process(next); }
  }

  function updateVersions(version) {
    // A reply being written keeps the version its author started on: if the ticket changed
    // meanwhile, the server refuses it with the text kept, and the author reads the change first.
    document.querySelectorAll('input[name="version"]').forEach(function (input) {
      var form = input.form;
      if (form && form.id === "reply-form" && typed("reply-text")) {
        notice("Пока вы писали ответ, обращение изменилось: прочитайте изменения выше. " +
               "Отправленный ответ попросит обновить страницу, текст сохранится.");
        return;
      }
      input.value = version;
    });
  }

  function applyTicket(ticket) {
    if (ticket.gone) {
      stopped = true;
      notice("Обращение вам больше не доступно (передано в другое подразделение).");
      return;
    }
    if (ticket.changed) { refreshTicket(); }
    var bar = document.getElementById("desk-presence");
    if (!bar) { return; }
    var others = ticket.others || [];
    bar.hidden = !others.length;
    bar.textContent = others.length ? "Сейчас открыто также: " + others.map(function (o) {
      return o.name + (o.typing ? " (печатает…)" : "");
    }).join(", ") : "";
  }

  document.addEventListener("input", function (event) {
    var id = event.target && event.target.id;
    if (id === "reply-text" || id === "note-text") { typingUntil = Date.now() + TYPING_MS; }
  });

  // --- density («Подробнее»: the citizen's words on a line of their own) --------------------
  var density = document.getElementById("desk-density");
  if (density && table) {
    var comfy = function (on) {
      table.classList.toggle("desk-comfy", on);
      density.setAttribute("aria-pressed", on ? "true" : "false");
      density.textContent = on ? "Компактно" : "Подробнее";
    };
    comfy(window.localStorage && localStorage.getItem("helpdesk.density") === "comfy");
    density.addEventListener("click", function () {
      var on = !table.classList.contains("desk-comfy");
      if (window.localStorage) { localStorage.setItem("helpdesk.density", on ? "comfy" : "compact"); }
      comfy(on);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { window.clearTimeout(timer); tick(); }  // back to the tab: catch up
  });
  tick();
}());
