// The "train your own model" panel: validates nothing itself, the server's messages are shown as they are.
(function () {
  "use strict";
  var panel = document.getElementById("train-panel");
  if (!panel) return;
  var code = panel.dataset.code;
  var form = document.getElementById("train-form");
  var errorLine = document.getElementById("train-error");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorLine.textContent = "";
    var body = {
      labels: form.labels.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean),
      images_per_label: parseInt(form.images_per_label.value, 10),
      epochs: parseInt(form.epochs.value, 10),
      mode: form.querySelector("input[name=mode]:checked").value,
    };
    companion.api("POST", "/api/l/" + code + "/jobs", body).then(function (result) {
      if (result.ok) { location.href = result.data.url; return; }
      if (result.data.errors) {
        errorLine.textContent = Object.keys(result.data.errors).map(function (field) {
          return field + ": " + result.data.errors[field].join(" ");
        }).join(" · ");
      } else {
        errorLine.textContent = result.data.error || "Could not start the job.";
      }
    });
  });
})();
