// The citizen's ticket page (central/web/ticket_views.py): the push channel with the ticket's own
// token, the state JSON after each call it hears (with a random delay: 500 phones must not ask
// at the same instant), and polling while the push channel is down or the ticket is not synced.
(function () {
  "use strict";
  var body = document.body;
  var token = body.dataset.token;
  var mine = body.dataset.ticket;
  var known = !document.getElementById("updating");
  var lastStatus = null;
  var online = true;
  window.kioskTicket = {alerts: 0, online: function () { return online; }};

  function el(id) { return document.getElementById(id); }

  function alertCitizen(counter) {
    var box = el("called");
    box.textContent = body.dataset.called.replace("{counter}", counter);
    box.hidden = false;
    window.kioskTicket.alerts += 1;
    try { new Audio("/static/audio/chime.wav").play().catch(function () {}); } catch (e) { /* no sound */ }
    if (navigator.vibrate) { navigator.vibrate([400, 200, 400, 200, 400]); }
  }

  function show(state) {
    if (state.known !== known) { location.reload(); return; }  // synced since: the full page
    if (!known) { return; }
    var status = body.dataset["status" + (state.status || "").replace(/(^|_)(\w)/g, function (m, a, c) {
      return c.toUpperCase(); })];
    el("status").textContent = status || state.status || "";
    el("ahead").textContent = state.ahead === null ? "—" : String(state.ahead);
    el("estimate").textContent = state.estimate_minutes === null ? "—"
      : body.dataset.minutes.replace("{minutes}", state.estimate_minutes);
    if (state.status === "called" && lastStatus !== null && lastStatus !== "called") { alertCitizen(state.counter); }
    if (state.status !== "called") { el("called").hidden = true; }
    lastStatus = state.status;
  }

  function refresh() {
    return fetch("/t/" + encodeURIComponent(token) + "/state", {cache: "no-store"}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (state) { if (state) { show(state); } }).catch(function () {});
  }

  var pending = null;
  function refreshSoon() {
    if (pending) { return; }
    pending = setTimeout(function () { pending = null; refresh(); }, Math.random() * 800);
  }

  function connect() {
    var source = new EventSource("/api/v1/calls/stream?ticket=" + encodeURIComponent(token));
    source.addEventListener("hello", function () { online = true; el("offline").hidden = true; refreshSoon(); });
    source.addEventListener("call", function (e) {
      var call = JSON.parse(e.data);
      if (known && call.ticket_id === mine && lastStatus !== "called") {  // our number: at once, no round trip
        lastStatus = "called";
        alertCitizen(call.counter);
        el("status").textContent = body.dataset.statusCalled;
      }
      refreshSoon();
    });
    source.onerror = function () {
      online = false;
      el("offline").hidden = false;
      if (source.readyState === 2) { setTimeout(connect, 5000); }
    };
  }

  refresh();
  setInterval(function () { if (!online || !known) { refresh(); } }, 10000);
  connect();
})();
