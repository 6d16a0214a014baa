// The projector screen: only the live number of connected students changes.
(function () {
  "use strict";
  var data = companion.pageData();
  var count = document.getElementById("connected");
  companion.liveSocket(data.socket_path, {
    message: function (message) { if (message.type === "summary") count.textContent = message.connected; },
  });
})();
