// A JSON WebSocket that reconnects by itself, plus a small fetch() helper. Shared by every page.
(function () {
  "use strict";

  // Reconnect with exponential backoff and full jitter, capped near 10 s, so a classroom
  // of phones does not reconnect in one wave after a restart. The teacher's few sockets may
  // retry sooner (handlers.maxDelay), so the teacher view is right soon after a restart.
  function liveSocket(path, handlers) {
    var maxDelay = handlers.maxDelay || 10000;
    var attempt = 0;
    var socket = null;
    var heartbeat = null;
    var retryTimer = null;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";

    function connect() {
      clearTimeout(retryTimer);
      if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) return;
      socket = new WebSocket(scheme + location.host + path);
      socket.onopen = function () {
        attempt = 0;
        // Heartbeat: lets the teacher tell a sleeping laptop from an attentive student.
        heartbeat = setInterval(function () { send({ type: "ping" }); }, 30000);
        handlers.open && handlers.open();
      };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        handlers.message && handlers.message(message);
      };
      socket.onclose = function (event) {
        clearInterval(heartbeat);
        handlers.close && handlers.close(event);
        if (event.code === 4403 || event.code === 4404) return; // refused for good: do not hammer
        attempt += 1;
        var delay = Math.random() * Math.min(maxDelay, 500 * Math.pow(2, attempt));
        retryTimer = setTimeout(connect, delay);
      };
    }

    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(message));
        return true;
      }
      return false;
    }

    // Coming back online or to a visible tab: try at once rather than wait out the backoff.
    window.addEventListener("online", function () { attempt = 0; connect(); handlers.wake && handlers.wake(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { connect(); handlers.wake && handlers.wake(); }
    });

    connect();
    return { send: send, isOpen: function () { return socket && socket.readyState === WebSocket.OPEN; } };
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // JSON API call; resolves to {ok, status, data}.
  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  function pageData() {
    var node = document.getElementById("page-data");
    return node ? JSON.parse(node.textContent) : {};
  }

  window.companion = { liveSocket: liveSocket, api: api, csrfToken: csrfToken, pageData: pageData };
})();
