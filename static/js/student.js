// The student's cups: pushed over the socket, re-sent on reconnect, HTTP when the socket is down.
(function () {
  "use strict";
  var root = document.getElementById("student");
  if (!root) return;
  var code = root.dataset.code;
  var statusLine = document.getElementById("status");
  var currentLabel = document.getElementById("current-color");
  var closedBanner = document.getElementById("lesson-closed");
  var revoteNote = document.getElementById("revote-note");
  var nameError = document.getElementById("name-error");
  var words = { green: "green", yellow: "yellow", red: "red", none: "not answered" };
  // The colour this student last chose; re-sent after every reconnect (setting is idempotent).
  var initial = JSON.parse(document.getElementById("initial-color").textContent);
  var chosen = initial === "none" ? null : initial;
  var pending = false;

  function setStatus(text) { statusLine.textContent = text; }

  function showColor(color) {
    currentLabel.textContent = words[color] || color;
    document.querySelectorAll(".cup").forEach(function (button) {
      var on = button.value === color;
      button.classList.toggle("cup--chosen", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function sendChosen() {
    if (chosen === null) return;
    pending = true;
    if (socket.send({ type: "cup", color: chosen })) {
      setStatus("sending…");
      return;
    }
    // No socket: the HTTP API lands the press in the database all the same.
    companion.api("POST", "/api/l/" + code + "/cup", { color: chosen }).then(function (result) {
      if (result.ok) { pending = false; setStatus("sent ✓"); }
      else if (result.status === 409) { setStatus(result.data.error); }
      else { setStatus("reconnecting…"); }
    }).catch(function () { setStatus("reconnecting… your choice will be sent when the connection is back"); });
  }

  var socket = companion.liveSocket("/ws/l/" + code + "/student/", {
    open: function () {
      setStatus("connected");
      sendChosen(); // after any reconnect the server hears our choice again
    },
    close: function (event) {
      if (event.code === 4403) setStatus("Reload the page to join this lesson.");
      else if (event.code === 4404) setStatus("This lesson no longer exists.");
      else setStatus("reconnecting…");
    },
    wake: function () { if (pending) sendChosen(); },
    message: function (message) {
      if (message.type === "state") {
        if (message.reason === "revote") {
          chosen = null; pending = false;
          revoteNote.hidden = false;
        } else if (pending && message.color !== chosen) {
          return; // an older state racing our latest press; the next state will match
        } else if (pending) {
          pending = false;
          setStatus("sent ✓");
        } else {
          chosen = message.color === "none" ? null : message.color; // another tab of ours may have changed it
        }
        showColor(message.color);
        closedBanner.hidden = message.lesson_open !== false;
      } else if (message.type === "error") {
        if (message.error === "invalid_name") nameError.textContent = message.detail;
        else { pending = false; setStatus(message.detail); }
      }
    },
  });

  document.getElementById("cups").addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.submitter;
    if (!button) return;
    chosen = button.value;
    revoteNote.hidden = true;
    showColor(chosen);
    sendChosen();
  });

  document.getElementById("name-form").addEventListener("submit", function (event) {
    event.preventDefault();
    nameError.textContent = "";
    var name = document.getElementById("name").value;
    if (!socket.send({ type: "name", name: name })) event.target.submit();
  });
})();
