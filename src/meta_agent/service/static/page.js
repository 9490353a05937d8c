// Follows a run's log (server-sent events) into <pre id="log">: live while the run goes on, the
// whole log once it has ended. When a live run ends, its panel is fetched again for the results.
(function () {
  let source = null;
  let following = null;
  function follow() {
    const log = document.getElementById("log");
    if (log === following) return;
    if (source) { source.close(); source = null; }
    following = log;
    if (!log) return;
    source = new EventSource(log.dataset.src);
    source.addEventListener("log", (event) => {
      log.textContent += event.data + "\n";
      const step = /Step (\d+)\/(\d+)/.exec(event.data);
      const bar = document.getElementById("progress");
      if (step && bar) { bar.max = Number(step[2]); bar.value = Number(step[1]); }
      log.scrollTop = log.scrollHeight;
    });
    source.addEventListener("end", (event) => {
      log.dataset.ended = event.data;
      source.close();
      source = null;
      const run = document.querySelector("[data-run]");
      if (run && ["queued", "running"].includes(run.dataset.status)) {
        htmx.ajax("GET", "/ui/runs/" + run.dataset.run, "#run");
      }
    });
  }
  document.addEventListener("htmx:afterSettle", follow);
  document.addEventListener("DOMContentLoaded", follow);
})();
