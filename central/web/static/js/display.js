// The hall display in a TV's browser (central/web/display_pages.py). Calls come through the push
// channel (server-sent events, resumed by the browser with Last-Event-ID); the state JSON gives
// the waiting counts, and is polled while the push channel is down.
(function () {
  "use strict";
  var body = document.body;
  var code = body.dataset.code;
  var base = "/display/" + encodeURIComponent(code);

  if (body.classList.contains("pairing")) {  // wait for the manager to enter the code
    setInterval(function () {
      fetch(base + "/state", {credentials: "same-origin"}).then(function (r) {
        if (r.ok) { location.reload(); }
      }).catch(function () {});
    }, 3000);
    return;
  }

  var HISTORY = parseInt(body.dataset.history, 10) || 4;
  var FLASH_MS = 6000;
  var calls = [];          // newest first
  var seen = {};           // event id -> true
  var lastId = null;
  var source = null;
  var online = false;
  var skew = 0;            // server clock - this TV's clock (TV clocks drift)
  var audioQueue = [];
  var playing = false;
  var soundBlocked = false;
  window.kioskDisplay = {played: [], calls: calls, online: function () { return online; }};

  function el(id) { return document.getElementById(id); }

  function setOnline(value) {
    online = value;
    el("offline").hidden = value;
  }

  function tick() {
    var now = new Date(Date.now() + skew);
    el("clock").textContent = now.toLocaleTimeString("vi-VN", {hour: "2-digit", minute: "2-digit",
                                                               timeZone: body.dataset.tz || undefined});
  }

  function render() {
    var newest = calls[0];
    el("latest-number").textContent = newest ? newest.display_number : "—";
    el("latest-counter").textContent = newest ? String(newest.counter) : "";
    var list = el("history");
    list.textContent = "";
    calls.slice(1, HISTORY + 1).forEach(function (c) {
      var li = document.createElement("li");
      var n = document.createElement("span");
      n.className = "n";
      n.textContent = c.display_number;
      var k = document.createElement("span");
      k.className = "k";
      k.textContent = String(c.counter);
      li.appendChild(n);
      li.appendChild(k);
      list.appendChild(li);
    });
  }

  function flash() {
    var box = el("latest");
    box.classList.remove("flash");
    void box.offsetWidth;  // restart the animation
    box.classList.add("flash");
    clearTimeout(flash.timer);
    flash.timer = setTimeout(function () { box.classList.remove("flash"); }, FLASH_MS);
  }

  function playNext() {
    if (playing || soundBlocked || !audioQueue.length) { return; }
    playing = true;
    var url = audioQueue.shift();
    var audio = new Audio(url);
    var done = function () { playing = false; playNext(); };
    audio.onended = done;
    audio.onerror = done;
    var started = audio.play();
    window.kioskDisplay.played.push(url);
    if (started && started.catch) {
      started.catch(function () {  // autoplay refused: one touch on the TV turns the sound on
        soundBlocked = true;
        playing = false;
        audioQueue.unshift(url);
        el("sound").hidden = false;
      });
    }
  }

  el("sound").addEventListener("click", function () {
    soundBlocked = false;
    el("sound").hidden = true;
    playNext();
  });

  function announce(call) {
    var speech = base + "/audio/" + encodeURIComponent(call.display_number) + "/" + call.counter + ".wav";
    audioQueue.push("/static/audio/chime.wav", speech, speech);  // a chime, then twice
    playNext();
  }

  function addCall(call, id, loud) {
    if (id && seen[id]) { return; }
    if (id) { seen[id] = true; lastId = id; }
    for (var i = calls.length - 1; i >= 0; i--) {
      if (calls[i].ticket_id === call.ticket_id) { calls.splice(i, 1); }
    }
    calls.unshift(call);
    calls.length = Math.min(calls.length, HISTORY + 1);
    render();
    if (loud) { flash(); announce(call); }
  }

  function refresh() {
    return fetch(base + "/state", {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      if (r.status === 401) { location.reload(); return null; }  // unpaired or revoked: the pairing page
      return r.ok ? r.json() : null;
    }).then(function (state) {
      if (!state) { return; }
      skew = Date.parse(state.server_time) - Date.now();
      var strip = el("waiting");
      strip.textContent = "";
      var busy = state.waiting.filter(function (w) { return w.waiting > 0; });
      busy.sort(function (a, b) { return b.waiting - a.waiting; });
      if (!busy.length) { strip.textContent = body.dataset.nobody; }
      busy.forEach(function (w) {
        var span = document.createElement("span");
        span.className = "svc";
        var count = document.createElement("strong");
        count.textContent = String(w.waiting);
        span.appendChild(document.createTextNode(w.name + ": "));
        span.appendChild(count);
        span.appendChild(document.createTextNode(" " + body.dataset.people));
        strip.appendChild(span);
      });
      if (!source || source.readyState === 2) {  // polling fallback: calls made meanwhile
        var fresh = state.calls.filter(function (c) { return !seen[c.called_at + "|" + c.ticket_id]; });
        var quiet = calls.length === 0;
        fresh.forEach(function (c) { addCall(c, c.called_at + "|" + c.ticket_id, !quiet); });
      }
    }).catch(function () { setOnline(false); });
  }

  function connect() {
    var url = "/api/v1/calls/stream" + (lastId ? "?since=" + encodeURIComponent(lastId) : "");
    source = new EventSource(url);
    source.addEventListener("hello", function (e) {
      var hello = JSON.parse(e.data);
      skew = Date.parse(hello.server_time) - Date.now();
      setOnline(true);
      hello.calls.forEach(function (c) { addCall(c, c.called_at + "|" + c.ticket_id, false); });
      refresh();
    });
    source.addEventListener("call", function (e) {
      addCall(JSON.parse(e.data), e.lastEventId, true);
      refresh();
    });
    source.onerror = function () {
      setOnline(false);
      if (source.readyState === 2) {  // closed for good (an answer that is not a stream): start again
        setTimeout(connect, 5000);
      }
    };
  }

  tick();
  setInterval(tick, 1000);
  setInterval(function () { if (!online) { refresh(); } }, 5000);
  setInterval(refresh, 30000);
  refresh();
  connect();
})();
