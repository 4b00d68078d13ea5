// Batch progress: poll the status until the batch has finished.
(function () {
  "use strict";
  var box = document.getElementById("batch");
  if (!box) { return; }
  function show(job) {
    var bar = document.getElementById("progress");
    bar.max = job.total || 1; bar.value = job.done;
    var c = job.counts;
    document.getElementById("summary").textContent =
      (job.finished ? (job.ok ? "Finished: " : "Finished with problems: ") : "Working: ") +
      c.rendered + " rendered, " + c.skipped + " unchanged, " + c.failed + " failed (" +
      job.done + " of " + job.total + ").";
    document.getElementById("lines").textContent = job.lines.join("\n");
    var list = document.getElementById("batch-problems");
    list.replaceChildren.apply(list, job.problems.map(function (line) {
      var li = document.createElement("li"); li.className = "error"; li.textContent = line; return li;
    }));
    box.dataset.finished = String(job.finished);
    if (!job.finished) { setTimeout(poll, 400); }
  }
  function poll() {
    fetch(box.dataset.statusUrl, {cache: "no-store"}).then(function (r) { return r.json(); }).then(show)
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
