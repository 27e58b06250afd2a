// Staff pages: a new case arrives by server-sent events (/api/staff/stream):
// a sound, the tab title "(2) Indbakke", a browser notification (when allowed)
// and, on the inbox, the list refreshed in place. Keyboard shortcuts of the
// inbox (documented on the page). Text is inserted with textContent only.
(function () {
  "use strict";
  var inbox = document.getElementById("inbox");
  var baseTitle = document.title;
  var announce = document.getElementById("new");

  function setTitle(waiting) {
    document.title = (waiting > 0 ? "(" + waiting + ") " : "") + baseTitle;
  }
  if (inbox) setTitle(Number(inbox.getAttribute("data-waiting")) || 0);

  // A short two-tone sound (no file to load). Browsers allow sound after the
  // first click or key on the page.
  var audio = null;
  function unlock() {
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
  }
  document.addEventListener("click", unlock, {once: true});
  document.addEventListener("keydown", unlock, {once: true});
  function chime() {
    if (!audio || audio.state !== "running") return;
    [880, 660].forEach(function (freq, i) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.15, audio.currentTime + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + i * 0.18 + 0.16);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(audio.currentTime + i * 0.18); osc.stop(audio.currentTime + i * 0.18 + 0.17);
    });
  }
  window.BorgerguideChime = chime;

  var notify = document.getElementById("notify");
  if (notify && window.Notification && Notification.permission === "default") {
    notify.hidden = false;
    notify.addEventListener("click", function () {
      Notification.requestPermission().then(function () { notify.hidden = true; });
    });
  }

  // The inbox's list, refreshed from the page itself (the same server rendering).
  var selected = -1;
  function cases() { return Array.prototype.slice.call(document.querySelectorAll("#cases .case")); }
  function select(index) {
    var all = cases();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (c, i) { c.classList.toggle("selected", i === selected); });
    all[selected].querySelector("a").focus();
  }
  function refresh() {
    if (!inbox) return;
    fetch(location.href, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      ["cases", "count"].forEach(function (id) {
        var fresh = page.getElementById(id), old = document.getElementById(id);
        if (fresh && old) old.replaceWith(fresh);
      });
      var views = page.querySelector(".views"), oldViews = document.querySelector(".views");
      if (views && oldViews) oldViews.replaceWith(views);
      var fresh = page.getElementById("inbox");
      if (fresh) setTitle(Number(fresh.getAttribute("data-waiting")) || 0);
      if (selected >= 0 && cases()[selected]) cases()[selected].classList.add("selected");
    }).catch(function () {});
  }
  if (inbox) setInterval(refresh, 20000);  // the waiting times move on

  if (window.EventSource) {
    var source = new EventSource("/api/staff/stream");
    source.addEventListener("escalation", function (event) {
      var data = JSON.parse(event.data);
      var text = "Ny henvendelse: " + (data.area_name || "ukendt område") + (data.mode_text ? " (" + data.mode_text + ")" : "");
      if (announce) announce.textContent = text;
      setTitle(data.waiting || 1);
      chime();
      if (window.Notification && Notification.permission === "granted") {
        var shown = new Notification("Borgerguide: ny henvendelse", {body: text, tag: data.id});
        shown.onclick = function () { window.focus(); location.href = "/staff/escalations/" + encodeURIComponent(data.id); };
      }
      refresh();
    });
  }

  if (!inbox) return;
  document.addEventListener("keydown", function (e) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((e.target && e.target.tagName) || "");
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") { e.preventDefault(); document.getElementById("search").focus(); }
    else if (e.key === "j") { e.preventDefault(); select(selected + 1); }
    else if (e.key === "k") { e.preventDefault(); select(selected - 1); }
    else if (e.key === "o") {
      var first = document.querySelector("#cases .case.open a");
      if (first) location.href = first.href;
      else if (announce) announce.textContent = "Ingen henvendelser venter lige nu.";
    }
  });
})();
