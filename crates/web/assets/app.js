// Keeps the call and hold timers running. Everything else works without script.
(function () {
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    document.querySelectorAll("output[data-start]").forEach(function (el) {
      var start = Number(el.getAttribute("data-start"));
      if (!start) { return; }
      var s = Math.max(0, Math.floor((Date.now() - start) / 1000));
      var text = pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      el.textContent = el.classList.contains("hold") ? "on hold " + text : text;
    });
  }
  tick();
  setInterval(tick, 1000);
})();
