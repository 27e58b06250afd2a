// Staff inbox: new escalations arrive by server-sent events; the list reloads
// and a notification is shown. Text is inserted with textContent only.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var box = document.getElementById("new");
  var source = new EventSource("/api/staff/stream");
  source.addEventListener("escalation", function (event) {
    var data = JSON.parse(event.data);
    box.textContent = "Ny henvendelse: " + (data.area || "ukendt område") + " (" + (data.kommune || "–") + ")";
    if (window.Notification && Notification.permission === "granted") {
      new Notification("Borgerguide: ny henvendelse", {body: data.area || ""});
    }
    setTimeout(function () { location.reload(); }, 1500);
  });
})();
