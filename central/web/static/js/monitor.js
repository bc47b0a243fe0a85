// Polls the monitor's fragment every few seconds and swaps it in; stops when signed out.
(function () {
  var box = document.getElementById("live");
  if (!box) { return; }
  var every = (parseInt(box.dataset.every, 10) || 5) * 1000;
  function tick() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); throw new Error("signed out"); }
        return r.ok ? r.text() : Promise.reject(new Error(r.status));
      })
      .then(function (html) { box.innerHTML = html; box.dataset.refreshed = String(Date.now()); })
      .catch(function () { /* keep the last figures; try again */ })
      .then(function () { window.setTimeout(tick, every); });
  }
  window.setTimeout(tick, every);
})();
