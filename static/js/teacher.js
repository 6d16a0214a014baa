// The live teacher view (and the helper's read-only copy): summaries pushed over the socket, never polled.
(function () {
  "use strict";
  var data = companion.pageData();
  var lesson = data.lesson; // null for the helper
  var code = document.querySelector(".lesson-code").textContent.trim();
  var connection = document.getElementById("connection");
  var alertBanner = document.getElementById("alert-banner");
  var baseTitle = document.title;
  var favicon = document.getElementById("favicon");
  var normalIcon = favicon.href;
  var alertIcon = normalIcon.replace("favicon.svg", "favicon-alert.svg");
  var alertOn = false;
  var alertChangedAt = 0;
  var alertRecheck = null;
  var ALERT_COOLDOWN_MS = 15000; // an alert stays up this long at least, so it does not flap
  var words = { green: "fine", yellow: "not sure", red: "lost", none: "not answered" };

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value; // textContent: names are shown escaped, whatever a student typed
    if (className) node.className = className;
    return node;
  }

  function render(summary) {
    var counts = summary.counts;
    var total = counts.green + counts.yellow + counts.red + counts.none;
    ["green", "yellow", "red", "none"].forEach(function (color) {
      var pct = total ? Math.round((100 * counts[color]) / total) : 0;
      document.querySelector("[data-color=" + color + "]").textContent = counts[color];
      document.querySelector("[data-pct=" + color + "]").textContent = pct + "%";
      document.querySelector(".bar__" + color).style.width = pct + "%";
    });
    document.getElementById("connected").textContent = summary.connected;
    document.getElementById("stale").textContent = summary.stale;
    var rows = document.getElementById("student-rows");
    var fragment = document.createDocumentFragment();
    summary.students.forEach(function (student) {
      var row = document.createElement("tr");
      row.className = "student-row student-row--" + student.color;
      row.appendChild(text("td", student.name || student.id));
      row.appendChild(text("td", words[student.color], "cup-label cup-label--" + student.color));
      row.appendChild(text("td", new Date(student.since).toLocaleTimeString()));
      row.appendChild(text("td", student.connected ? "yes" : "no"));
      fragment.appendChild(row);
    });
    rows.replaceChildren(fragment);
    setAlert(summary.alert);
    timeline.add(summary);
  }

  function setAlert(wanted) {
    clearTimeout(alertRecheck);
    if (wanted === alertOn) return;
    var cooling = ALERT_COOLDOWN_MS - (Date.now() - alertChangedAt);
    if (!wanted && cooling > 0) {
      // Lowered only once the cooldown is over, even if the class stays quiet and no summary comes.
      alertRecheck = setTimeout(function () { setAlert(false); }, cooling);
      return;
    }
    alertOn = wanted;
    alertChangedAt = Date.now();
    alertBanner.hidden = !wanted;
    document.title = (wanted ? "🔴 RED ALERT · " : "") + baseTitle;
    favicon.href = wanted ? alertIcon : normalIcon;
    var sound = document.getElementById("sound");
    if (wanted && sound && sound.checked) beep();
  }

  function beep() {
    try {
      var context = new (window.AudioContext || window.webkitAudioContext)();
      var oscillator = context.createOscillator();
      oscillator.frequency.value = 660;
      oscillator.connect(context.destination);
      oscillator.start();
      oscillator.stop(context.currentTime + 0.4);
    } catch (e) { /* no audio: the banner and title still show */ }
  }

  // Timeline: shares of red, yellow and green over the lesson, with topic markers as labelled lines.
  var timeline = (function () {
    var node = document.getElementById("timeline");
    var xs = [], reds = [], yellows = [], greens = [];
    var markers = (data.timeline.markers || []).map(function (m) { return { at: Date.parse(m.at) / 1000, label: m.label }; });
    data.timeline.points.forEach(function (p) { push(Date.parse(p.at) / 1000, p.red, p.yellow, p.green); });
    function push(x, r, y, g) { xs.push(x); reds.push(r * 100); yellows.push(y * 100); greens.push(g * 100); }
    var markerPlugin = {
      hooks: {
        draw: function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#555"; ctx.fillStyle = "#222"; ctx.font = "12px sans-serif";
          markers.forEach(function (m) {
            var x = u.valToPos(m.at, "x", true);
            ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
            ctx.fillText(m.label, x + 4, u.bbox.top + 12);
          });
          ctx.restore();
        },
      },
    };
    var plot = window.uPlot ? new uPlot({
      width: Math.min(node.clientWidth || 600, 900), height: 200,
      scales: { y: { range: [0, 100] } },
      series: [{}, { label: "red %", stroke: "#c62828" }, { label: "yellow %", stroke: "#f9a825" }, { label: "green %", stroke: "#2e7d32" }],
      plugins: [markerPlugin],
    }, [xs, reds, yellows, greens], node) : null;
    var lastAdded = 0;
    return {
      add: function (summary) {
        var c = summary.counts, answering = c.green + c.yellow + c.red, now = Date.parse(summary.at);
        if (now - lastAdded < 2000 && xs.length) return; // one point every 2 s is plenty for a lesson
        lastAdded = now;
        var total = answering || 1;
        push(now / 1000, c.red / total, c.yellow / total, c.green / total);
        if (plot) plot.setData([xs, reds, yellows, greens]);
      },
      mark: function (label, at) { markers.push({ at: Date.parse(at) / 1000, label: label }); if (plot) plot.redraw(); },
    };
  })();

  var jobs = {};
  function renderJob(job) {
    var table = document.getElementById("job-rows");
    if (!table) return;
    var row = jobs[job.id] || document.createElement("tr");
    jobs[job.id] = row;
    row.replaceChildren(
      (function () { var td = document.createElement("td"); var a = text("a", "#" + job.id); a.href = job.url; td.appendChild(a); return td; })(),
      text("td", job.student || ""),
      text("td", job.labels.join(", ")),
      text("td", job.status + (job.status === "running" ? " · " + job.stage : "")),
      text("td", Math.round(job.progress * 100) + "%"),
      (function () {
        var td = document.createElement("td");
        if (job.status === "queued" || job.status === "running") {
          var button = text("button", "Cancel");
          button.type = "button";
          button.addEventListener("click", function () { companion.api("POST", "/api/jobs/" + job.id + "/cancel"); });
          td.appendChild(button);
        }
        return td;
      })()
    );
    if (!row.parentNode) table.prepend(row);
  }

  render(data.summary);
  companion.liveSocket(data.socket_path, {
    maxDelay: 3000,
    open: function () { connection.textContent = "live"; },
    close: function (event) {
      connection.textContent = event.code === 4403 || event.code === 4404
        ? "This link no longer works: ask the teacher for the new one."
        : "reconnecting…";
    },
    message: function (message) {
      if (message.type === "summary") render(message);
      else if (message.type === "marker") timeline.mark(message.label, message.at);
      else if (message.type === "job") renderJob(message.job);
    },
  });

  if (!lesson) return; // the helper gets no controls at all

  companion.api("GET", "/api/l/" + code + "/jobs").then(function (result) {
    if (result.ok) result.data.jobs.slice().reverse().forEach(renderJob);
  });

  document.getElementById("revote").addEventListener("click", function () {
    companion.api("POST", "/api/l/" + code + "/revote");
  });
  document.getElementById("marker-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("marker-label");
    companion.api("POST", "/api/l/" + code + "/markers", { label: input.value }).then(function (result) {
      if (result.ok) input.value = "";
    });
  });
  var toggle = document.getElementById("toggle-open");
  toggle.addEventListener("click", function () {
    companion.api("PATCH", "/api/lessons/" + code, { open: !lesson.open }).then(function (result) {
      if (!result.ok) return;
      lesson = result.data;
      toggle.textContent = lesson.open ? "Close lesson" : "Reopen lesson";
      document.getElementById("closed-tag").hidden = lesson.open;
    });
  });
  document.getElementById("settings-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var status = document.getElementById("settings-status");
    companion.api("PATCH", "/api/lessons/" + code, {
      title: form.title.value,
      alert_red_share: parseFloat(form.alert_red_share.value),
      alert_min_red: parseInt(form.alert_min_red.value, 10),
      stale_after_s: parseInt(form.stale_after_s.value, 10),
    }).then(function (result) {
      status.textContent = result.ok ? "saved ✓" : Object.values(result.data.errors || {}).flat().join(" ");
    });
  });
  document.getElementById("rotate-token").addEventListener("click", function () {
    companion.api("POST", "/api/l/" + code + "/watch-token").then(function (result) {
      if (result.ok) document.getElementById("watch-url").value = location.origin + result.data.watch_url;
    });
  });
})();
