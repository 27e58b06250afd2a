// A case (escalation) page: the conversation updates itself (the citizen's new
// messages appear within a second or two), a reply is sent without reloading
// the page, saved replies go into the reply field, and keyboard shortcuts
// (documented on the page). Text is inserted with textContent only.
(function () {
  "use strict";
  var box = document.getElementById("case");
  var list = document.getElementById("transcript");
  if (!box || !list) return;
  var id = box.getAttribute("data-id");
  var csrf = box.getAttribute("data-csrf");
  var live = document.getElementById("live");
  var cursor = list.getAttribute("data-cursor");
  var title = document.title;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function line(l) {
    var li = el("li", "line " + l.kind);
    li.setAttribute("data-id", String(l.id));
    li.append(el("span", "who", l.speaker), document.createTextNode(" "), el("span", "time", l.time), el("span", "text", l.text));
    return li;
  }
  function nearBottom() { return list.scrollHeight - list.scrollTop - list.clientHeight < 120; }
  list.scrollTop = list.scrollHeight;  // the latest messages in view
  if (location.hash === "#svar" && document.getElementById("reply")) document.getElementById("reply").focus();
  function changed(e) {
    var callback = e.callback ? "yes" : "no";
    if (e.status !== box.getAttribute("data-status") || (e.claimed_by || "") !== box.getAttribute("data-claimed-by") ||
        callback !== box.getAttribute("data-callback")) {
      document.getElementById("changed").hidden = false;
    }
  }
  var busy = false;
  function poll() {
    if (busy) return;
    busy = true;
    var first = cursor === "" || cursor === null;
    fetch("/api/staff/escalations/" + encodeURIComponent(id) + "?after=" + (first ? 0 : cursor), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.error || d.cursor === null || d.cursor === undefined) return;
        if (first) list.textContent = "";
        var stick = nearBottom(), fromCitizen = null;
        d.transcript.forEach(function (l) {
          if (list.querySelector('[data-id="' + l.id + '"]')) return;
          var li = line(l);
          if (!first && l.kind === "citizen") {  // the citizen's new message stands out for a moment
            li.classList.add("new");
            setTimeout(function () { li.classList.remove("new"); }, 6000);
          }
          list.appendChild(li);
          if (l.kind === "citizen" && !first) fromCitizen = l;
        });
        cursor = d.cursor;
        if (fromCitizen) {
          live.textContent = "Ny besked fra borgeren kl. " + fromCitizen.time + ".";
          if (document.hidden) document.title = "(Ny besked) " + title;
          if (window.BorgerguideChime) window.BorgerguideChime();
        }
        if (stick || first) list.scrollTop = list.scrollHeight;
        changed(d.escalation);
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  setInterval(poll, 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) document.title = title; });

  // The reply is sent without reloading the page; the conversation shows it.
  var form = document.getElementById("reply-form");
  var reply = document.getElementById("reply");
  var status = document.getElementById("reply-status");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = reply.value.trim();
      if (!text) { status.textContent = "Skriv et svar først."; return; }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      status.textContent = "Sender …";
      fetch("/api/staff/escalations/" + encodeURIComponent(id) + "/reply", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify({text: text})
      }).then(function (r) { return r.json(); }).then(function (d) {
        if (d.error) { status.textContent = d.error; return; }
        reply.value = "";
        status.textContent = "Sendt.";
        poll();
      }).catch(function () { status.textContent = "Svaret blev ikke sendt. Prøv igen."; })
        .then(function () { button.disabled = false; reply.focus(); });
    });
  }

  // A saved reply goes into the reply field (it can be edited before it is sent).
  var saved = document.getElementById("saved");
  var savedForm = document.getElementById("saved-form");
  function insertSaved() {
    var option = saved.options[saved.selectedIndex];
    var text = option && option.getAttribute("data-text");
    if (!text || !reply) return;
    reply.value = reply.value.trim() ? reply.value.replace(/\s+$/, "") + "\n" + text : text;
    saved.selectedIndex = 0;
    reply.focus();
  }
  if (saved && savedForm) {
    saved.addEventListener("change", insertSaved);
    savedForm.addEventListener("submit", function (e) { e.preventDefault(); insertSaved(); });
  }

  document.addEventListener("keydown", function (e) {
    var target = e.target || {};
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && target.tagName === "TEXTAREA" && target.form) {
      e.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName || "") || e.ctrlKey || e.metaKey || e.altKey) return;
    var claim = document.getElementById("claim"), note = document.getElementById("note");
    if (e.key === "t" && claim) { e.preventDefault(); claim.click(); }
    else if (e.key === "s" && reply) { e.preventDefault(); reply.focus(); }
    else if (e.key === "n" && note) { e.preventDefault(); note.focus(); }
    else if (e.key === "i") { location.href = "/staff/"; }
  });
})();
