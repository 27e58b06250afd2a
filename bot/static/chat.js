// Minimal chat page for development. All text is inserted with textContent,
// never as HTML; links only to http(s) URLs.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var sender = sessionStorage.getItem("borgerguide-sender");
  if (!sender) {
    sender = "web-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    sessionStorage.setItem("borgerguide-sender", sender);
  }
  var kommune = new URLSearchParams(location.search).get("kommune") || undefined;
  var token = sessionStorage.getItem("borgerguide-token");
  var since = Date.now() / 1000;
  var polling = null;

  function add(cls, text) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;
    log.appendChild(div);
    div.scrollIntoView({block: "end"});
    return div;
  }
  function safeUrl(url) {
    try { var u = new URL(url); return (u.protocol === "https:" || u.protocol === "http:") ? u.href : null; }
    catch (e) { return null; }
  }
  function card(data) {
    var div = add("bot card", "");
    var h = document.createElement("h2"); h.textContent = data.title; div.appendChild(h);
    var ol = document.createElement("ol");
    (data.steps || []).forEach(function (s) { var li = document.createElement("li"); li.textContent = s; ol.appendChild(li); });
    div.appendChild(ol);
    var url = safeUrl(data.url);
    if (url) {
      var a = document.createElement("a"); a.href = url; a.target = "_blank"; a.rel = "noopener";
      a.textContent = "Gå til selvbetjeningen"; div.appendChild(a);
    }
  }
  function render(m) {
    if (m.text) add("bot", m.text);
    if (m.custom && m.custom.type === "solution") card(m.custom);
    if (m.buttons && m.buttons.length) {
      var wrap = document.createElement("div"); wrap.className = "buttons";
      m.buttons.forEach(function (b) {
        var btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.title;
        btn.addEventListener("click", function () { send({payload: b.payload}, b.title); });
        wrap.appendChild(btn);
      });
      log.appendChild(wrap);
    }
  }
  function send(body, shown) {
    add("user", shown);
    body.sender = sender; body.kommune = kommune;
    fetch("/api/chat", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) { add("bot", data.error); return; }
        data.messages.forEach(render);
        if (data.token) { token = data.token; sessionStorage.setItem("borgerguide-token", token); }
        since = Date.now() / 1000;
        handoff(data.handoff);
      })
      .catch(function () { add("bot", "Chatten svarer ikke lige nu. Prøv igen om lidt."); });
  }
  // While staff have the conversation: show the queue and fetch staff replies.
  function handoff(state) {
    if (!state) { if (polling) { clearInterval(polling); polling = null; } return; }
    if (state.status === "open" && state.position) {
      add("bot", "Du er nr. " + state.position + " i køen. Forventet ventetid: ca. " + state.estimate_minutes + " min.");
    }
    if (!polling) polling = setInterval(poll, 3000);
  }
  function poll() {
    var url = "/api/chat/messages?sender=" + encodeURIComponent(sender) + "&token=" + encodeURIComponent(token || "") + "&since=" + since;
    fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      if (data.error) return;
      data.messages.forEach(function (m) { since = Math.max(since, m.timestamp); render(m); });
      if (!data.handoff) { clearInterval(polling); polling = null; }
    }).catch(function () {});
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({message: text}, text);
  });
})();
