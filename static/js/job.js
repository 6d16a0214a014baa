// One training job, live over /ws/jobs/<id>/: stage, progress, counts, samples, epochs, results, predict.
(function () {
  "use strict";
  var job = JSON.parse(document.getElementById("job-data").textContent);
  var $ = function (id) { return document.getElementById(id); };

  function text(tag, value) { var node = document.createElement(tag); node.textContent = value; return node; }
  function fixed(value) { return value === null || value === undefined ? "" : Number(value).toFixed(6); }

  function render(job) {
    $("job-status").textContent = job.status;
    $("job-stage").textContent = job.stage;
    $("queue-position").textContent = job.status === "queued" && job.queue_position ? "· number " + job.queue_position + " in the queue" : "";
    $("job-progress").value = job.progress;
    $("job-error").textContent = job.error || "";
    $("job-retried").hidden = !(job.attempts > 1);
    $("cancel").hidden = !(job.status === "queued" || job.status === "running");
    $("counts").replaceChildren.apply($("counts"), Object.keys(job.counts).map(function (label) {
      return text("li", label + ": " + job.counts[label] + " images");
    }));
    if (job.samples.length && !$("samples").children.length) {
      job.samples.forEach(function (sample) {
        var figure = document.createElement("figure");
        var image = document.createElement("img");
        image.src = sample.image; image.alt = sample.label;
        figure.appendChild(image);
        figure.appendChild(text("figcaption", sample.label));
        $("samples").appendChild(figure);
      });
    }
    $("epoch-rows").replaceChildren.apply($("epoch-rows"), job.epochs_done.map(function (row) {
      var tr = document.createElement("tr");
      [row.epoch, fixed(row.train_loss), fixed(row.valid_loss), fixed(row.error_rate), formatSeconds(row.seconds)]
        .forEach(function (value) { tr.appendChild(text("td", value)); });
      return tr;
    }));
    if (job.status === "succeeded") showResults(job);
  }

  function formatSeconds(seconds) {
    var whole = Math.round(seconds);
    return String(Math.floor(whole / 60)).padStart(2, "0") + ":" + String(whole % 60).padStart(2, "0");
  }

  function showResults(job) {
    $("results").hidden = false;
    var metrics = job.metrics;
    $("accuracy").textContent = (100 * metrics.accuracy).toFixed(1) + "%";
    $("per-label").replaceChildren.apply($("per-label"), Object.keys(metrics.per_label).map(function (label) {
      var value = metrics.per_label[label];
      return text("li", label + ": " + (value === null ? "no validation images" : (100 * value).toFixed(1) + "% right"));
    }));
    var confusion = metrics.confusion, table = $("confusion");
    var head = document.createElement("tr");
    head.appendChild(text("th", ""));
    confusion.labels.forEach(function (label) { head.appendChild(text("th", label)); });
    var rows = [head];
    confusion.matrix.forEach(function (counts, i) {
      var tr = document.createElement("tr");
      tr.appendChild(text("th", confusion.labels[i]));
      counts.forEach(function (n) { tr.appendChild(text("td", n)); });
      rows.push(tr);
    });
    table.replaceChildren.apply(table, rows);
    drawLoss(job.losses);
  }

  function drawLoss(losses) {
    var svg = $("loss-curve");
    if (!losses.length) return;
    var max = Math.max.apply(null, losses) || 1;
    var points = losses.map(function (loss, i) {
      return (i * 400 / Math.max(1, losses.length - 1)).toFixed(1) + "," + (115 - (loss / max) * 110).toFixed(1);
    }).join(" ");
    svg.innerHTML = "";
    var line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    line.setAttribute("points", points);
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "#1565c0");
    line.setAttribute("stroke-width", "2");
    svg.appendChild(line);
  }

  render(job);
  companion.liveSocket("/ws/jobs/" + job.id + "/", {
    open: function () { $("connection").textContent = "live"; },
    close: function () { $("connection").textContent = "reconnecting…"; },
    message: function (message) {
      // A push built before the state we show (coalesced sends race the socket's first frame) is dropped.
      if (message.type === "job" && message.updated_at >= job.updated_at) { job = message; render(job); }
    },
  });

  $("cancel").addEventListener("click", function () {
    companion.api("POST", "/api/jobs/" + job.id + "/cancel").then(function (result) { if (result.ok) render(result.data); });
  });

  $("predict-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = $("image").files[0];
    if (!file) return;
    var body = new FormData();
    body.append("image", file);
    $("prediction").textContent = "thinking…";
    fetch("/api/jobs/" + job.id + "/predict", {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": companion.csrfToken() },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      $("prediction").textContent = result.ok
        ? "This is a: " + result.data.label + ". Probability it's a " + result.data.label + ": " + result.data.probability.toFixed(4)
        : result.data.error;
    }).catch(function () { $("prediction").textContent = "Could not reach the server; try again."; });
  });
})();
