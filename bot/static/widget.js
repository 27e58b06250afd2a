/*
 * Borgerguide chat widget. One script tag on any page:
 *   <script src="https://borgerguide.example/widget.js" data-kommune="aarhus" defer></script>
 * adds a chat button and panel inside a Shadow DOM (styles isolated from the
 * host page). No framework, no cookies, no third parties: it talks only to the
 * Borgerguide service it was loaded from. Citizen and bot text is always
 * inserted as text (textContent), links only when plain https links (safeUrl).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var BASE = new URL(script.src).origin;
  var KOMMUNE = script.getAttribute("data-kommune") || undefined;
  var STORE = "borgerguide-" + (KOMMUNE || "default");
  // The conversation's id and secret come from the service with the first answer and are kept in this
  // tab only (sessionStorage): they are what makes the conversation this browser's.
  var state = JSON.parse(sessionStorage.getItem(STORE) || "null") || {
    sender: null, token: null, log: [], open: false, since: 0
  };
  function save() { sessionStorage.setItem(STORE, JSON.stringify(state)); }

  var host = document.createElement("div");
  host.id = "borgerguide-widget";
  var root = host.attachShadow({mode: "open"});
  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = BASE + "/static/widget/widget.css";
  root.appendChild(style);

  var launcher = el("button", "launcher", "Chat med Borgerguiden");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "bg-panel");
  var panel = el("section", "panel");
  panel.id = "bg-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Chat med Borgerguiden");
  panel.hidden = true;
  var header = el("div", "header");
  var title = el("h2", "title", "Borgerguiden");
  var restart = el("button", "small", "Start forfra");
  restart.type = "button";
  var close = el("button", "small", "Luk");
  close.type = "button";
  close.setAttribute("aria-label", "Luk chatten");
  header.append(title, restart, close);
  var log = el("div", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Samtale");
  var status = el("p", "status");
  status.setAttribute("role", "status");
  var form = el("form", "form");
  var label = el("label", "visually-hidden", "Din besked");
  label.htmlFor = "bg-input";
  var input = el("input", "input");
  input.id = "bg-input";
  input.maxLength = 2000;
  input.autocomplete = "off";
  input.placeholder = "Skriv din besked her";
  var send = el("button", "send", "Send");
  send.type = "submit";
  form.append(label, input, send);
  var banner = el("p", "banner");
  banner.setAttribute("role", "note");
  banner.hidden = true;
  var footer = el("div", "footer");
  var rateButton = el("button", "link", "Bedøm samtalen");
  rateButton.type = "button";
  var saveButton = el("button", "link", "Gem samtalen");
  saveButton.type = "button";
  var dataButton = el("button", "link", "Dine data");
  dataButton.type = "button";
  footer.append(rateButton, saveButton, dataButton);
  panel.append(header, banner, status, log, form, footer);
  root.append(launcher, panel);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  // Only a plain https link, read the same by every parser (borgerguide/links.py checks the same on the
  // server): https://, a host of a-z, 0-9, "-" and "." (no punycode), no user, port, backslash, space or
  // invisible character.
  function safeUrl(url) {
    if (typeof url !== "string" || url.length > 2000 || !/^https:\/\//i.test(url) || url.indexOf("\\") >= 0 ||
        /[\s\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/.test(url)) return null;
    var host = url.slice(8).split(/[\/?#]/)[0].toLowerCase();
    if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host) || /(^|\.)xn--/.test(host)) return null;
    try { var u = new URL(url); return u.protocol === "https:" && u.hostname === host && !u.port && !u.username ? u.href : null; }
    catch (e) { return null; }
  }

  function draw(entry) {
    if (entry.kind === "user") { log.appendChild(el("p", "msg user", entry.text)); }
    else if (entry.kind === "bot") {
      var m = entry.message;
      if (m.text) log.appendChild(el("p", "msg bot" + (m.staff ? " staff" : ""), (m.staff ? "Medarbejder: " : "") + m.text));
      if (m.custom && (m.custom.type === "solution" || m.custom.type === "referral")) log.appendChild(card(m.custom));
      if (m.custom && m.custom.type === "notice") log.appendChild(el("p", "notice", m.custom.text));
      if (m.buttons && m.buttons.length && entry.live) {
        var wrap = el("div", "buttons");
        m.buttons.forEach(function (b) {
          var btn = el("button", "quick", b.title);
          btn.type = "button";
          btn.addEventListener("click", function () { ask({payload: b.payload}, b.title); });
          wrap.appendChild(btn);
        });
        log.appendChild(wrap);
      }
    }
    log.scrollTop = log.scrollHeight;
  }
  // A solution card, or a referral card (another authority handles it: who,
  // its page and, where known, its phone).
  function card(c) {
    var referral = c.type === "referral";
    var box = el("div", referral ? "card referral" : "card");
    box.appendChild(el("h3", "card-title", c.title));
    if (referral) box.appendChild(el("p", "authority", "Det klarer " + (c.authority_name || c.authority) + "."));
    var ol = el("ol", "steps");
    (c.steps || []).forEach(function (s) { ol.appendChild(el("li", null, s)); });
    box.appendChild(ol);
    var url = safeUrl(c.url);
    if (url) {
      var a = el("a", "go", referral ? "Gå til " + (c.authority_name || "siden") : "Gå til selvbetjeningen");
      a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
      box.appendChild(a);
    }
    if (referral && c.phone) {
      var tel = el("a", "phone", "Ring " + c.phone);
      tel.href = "tel:" + String(c.phone).replace(/[^+0-9]/g, "");
      box.appendChild(tel);
    }
    if (c.login && c.login !== "Ingen") box.appendChild(el("p", "login", "Du skal bruge: " + c.login));
    return box;
  }
  function redraw() {
    log.textContent = "";
    var lastBot = -1;
    state.log.forEach(function (e, i) { if (e.kind === "bot") lastBot = i; });
    state.log.forEach(function (e, i) { e.live = i >= lastBot; draw(e); });
  }
  function remember(entry) { state.log.push(entry); if (state.log.length > 200) state.log.shift(); save(); }

  function showHandoff(h) {
    if (!h) { status.textContent = ""; return; }
    if (h.status === "open" && h.mode === "live") {
      status.textContent = "Du venter på en medarbejder. Du er nr. " + h.position + " i køen (ca. " + h.estimate_minutes + " min).";
    } else if (h.status === "claimed") {
      status.textContent = "En medarbejder fra Borgerservice skriver med dig.";
    } else if (h.mode === "callback" && !h.callback_requested) {
      status.textContent = "Vi kan ringe dig op.";
    } else { status.textContent = ""; }
    if (h.offer_callback && !h.callback_requested && !root.querySelector(".callback")) callbackForm(h);
  }
  function callbackForm(h) {
    var f = el("form", "callback");
    f.appendChild(el("p", null, "Skriv dit telefonnummer, så ringer Borgerservice dig op."));
    var pl = el("label", null, "Telefonnummer"); var phone = el("input"); phone.id = "bg-phone"; phone.type = "tel"; pl.htmlFor = "bg-phone";
    var nl = el("label", null, "Dit navn (hvis du vil)"); var name = el("input"); name.id = "bg-name"; name.autocomplete = "name"; nl.htmlFor = "bg-name";
    var tl = el("label", null, "Hvornår passer det dig?"); var when = el("input"); when.id = "bg-when"; tl.htmlFor = "bg-when";
    var cl = el("label", "consent"); var consent = el("input"); consent.type = "checkbox"; consent.id = "bg-consent";
    cl.append(consent, document.createTextNode(" Ja, I må gemme mit nummer og navn og ringe til mig om denne sag."));
    var ok = el("button", "send", "Ring mig op"); ok.type = "submit";
    f.append(pl, phone, nl, name, tl, when, cl, ok);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      post("/api/chat/callback", {sender: state.sender, token: state.token, escalation_id: h.escalation_id,
                                  phone: phone.value, name: name.value, time: when.value, consent: consent.checked})
        .then(function (d) { status.textContent = d.error || d.message; if (!d.error) f.remove(); });
    });
    log.appendChild(f);
  }

  var polling = null;
  function poll() {
    if (!state.token) return;
    fetch(BASE + "/api/chat/messages?sender=" + encodeURIComponent(state.sender) + "&token=" +
          encodeURIComponent(state.token) + "&since=" + state.since)
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.new_conversation && polling) { clearInterval(polling); polling = null; }  // no longer known here
        if (d.error) return;
        d.messages.forEach(function (m) { state.since = Math.max(state.since, m.timestamp); remember({kind: "bot", message: m}); });
        if (d.messages.length) redraw();
        showHandoff(d.handoff);
        if (!d.handoff && polling) { clearInterval(polling); polling = null; }
      }).catch(function () {});
  }
  function post(path, body) {
    return fetch(BASE + path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.json(); });
  }
  function ask(body, shown, again) {
    if (!again) { remember({kind: "user", text: shown}); redraw(); }
    body.kommune = KOMMUNE;
    if (state.token) { body.sender = state.sender; body.token = state.token; }
    else { delete body.sender; delete body.token; }
    send.disabled = true;
    return post("/api/chat", body).then(function (d) {
      send.disabled = false;
      if (d.new_conversation && !again) {  // the service no longer knows it (e.g. erased): start a new one
        state.sender = null; state.token = null; state.since = 0; save();
        return ask(body, shown, true);
      }
      if (d.error) { remember({kind: "bot", message: {text: d.error}}); redraw(); return; }
      if (d.token) { state.token = d.token; state.sender = d.sender; }
      state.since = Date.now() / 1000;
      d.messages.forEach(function (m) {
        if (m.custom && m.custom.type === "solution") state.area = m.custom.solution_id;
        if (m.custom && m.custom.type === "referral") state.area = m.custom.topic;
        remember({kind: "bot", message: m});
      });
      save(); redraw(); showHandoff(d.handoff);
      if (d.handoff && !polling) polling = setInterval(poll, 3000);
    }).catch(function () {
      send.disabled = false;
      remember({kind: "bot", message: {text: "Chatten svarer ikke lige nu. Prøv igen om lidt."}}); redraw();
    });
  }

  // Operational notices for the kommune, as a banner.
  function loadNotices() {
    fetch(BASE + "/api/chat/notices" + (KOMMUNE ? "?kommune=" + encodeURIComponent(KOMMUNE) : ""))
      .then(function (r) { return r.json(); })
      .then(function (d) {
        var texts = (d.notices || []).map(function (n) { return n.text; });
        banner.textContent = texts.join(" · ");
        banner.hidden = !texts.length;
      }).catch(function () {});
  }

  // Satisfaction: 1-5 and an optional comment.
  function ratingForm() {
    if (root.querySelector(".rating")) return;
    var f = el("form", "rating");
    var fs = el("fieldset"); fs.appendChild(el("legend", null, "Hvordan var din oplevelse? (1 = dårlig, 5 = rigtig god)"));
    var row = el("div", "scores");
    [1, 2, 3, 4, 5].forEach(function (n) {
      var l = el("label", "score"); var r = el("input"); r.type = "radio"; r.name = "score"; r.value = String(n);
      l.append(r, document.createTextNode(" " + n)); row.appendChild(l);
    });
    fs.appendChild(row); f.appendChild(fs);
    var cl = el("label", null, "Kommentar (frivillig)"); var c = el("textarea"); c.id = "bg-comment"; c.maxLength = 1000; cl.htmlFor = "bg-comment";
    var ok = el("button", "send", "Send vurdering"); ok.type = "submit";
    f.append(cl, c, ok);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = f.querySelector("input[name=score]:checked");
      if (!chosen) { status.textContent = "Vælg et tal fra 1 til 5."; return; }
      if (!state.token) { status.textContent = "Skriv først en besked til Borgerguiden."; return; }
      post("/api/chat/rating", {sender: state.sender, token: state.token, score: Number(chosen.value),
                                comment: c.value, area: state.area})
        .then(function (d) { status.textContent = d.error || d.message; if (!d.error) f.remove(); });
    });
    log.appendChild(f);
    f.querySelector("input").focus();
  }

  // The transcript as a plain text file the citizen can keep.
  function download() {
    var lines = state.log.map(function (e) {
      if (e.kind === "user") return "Du: " + e.text;
      var m = e.message, parts = [];
      if (m.text) parts.push((m.staff ? "Medarbejder: " : "Borgerguiden: ") + m.text);
      if (m.custom && (m.custom.type === "solution" || m.custom.type === "referral")) {
        parts.push(m.custom.title + (m.custom.url ? " (" + m.custom.url + ")" : "") +
                   (m.custom.phone ? ", tlf. " + m.custom.phone : ""));
        (m.custom.steps || []).forEach(function (s, i) { parts.push("  " + (i + 1) + ". " + s); });
      }
      return parts.join("\n");
    }).filter(Boolean);
    var head = "Samtale med Borgerguiden\n\n";
    var blob = new Blob([head + lines.join("\n") + "\n"], {type: "text/plain;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "borgerguide-samtale.txt";
    root.appendChild(a); a.click(); a.remove();
  }
  // "Dine data": a copy of the conversation or its erasure, asked for from this conversation (its secret);
  // the kommune's administrator carries it out, the citizen gets a number to refer to.
  function dataForm() {
    if (root.querySelector(".data-request")) return;
    if (!state.token) { status.textContent = "Skriv først en besked til Borgerguiden."; return; }
    var f = el("form", "data-request");
    var fs = el("fieldset"); fs.appendChild(el("legend", null, "Hvad vil du bede kommunen om?"));
    [["export", "En kopi af samtalen"], ["erase", "At slette samtalen"]].forEach(function (choice) {
      var l = el("label", "score"); var r = el("input"); r.type = "radio"; r.name = "kind"; r.value = choice[0];
      l.append(r, document.createTextNode(" " + choice[1])); fs.appendChild(l);
    });
    var ok = el("button", "send", "Send anmodningen"); ok.type = "submit";
    f.append(fs, ok);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = f.querySelector("input[name=kind]:checked");
      if (!chosen) { status.textContent = "Vælg en kopi eller sletning."; return; }
      post("/api/chat/data-request", {sender: state.sender, token: state.token, kind: chosen.value})
        .then(function (d) {
          status.textContent = d.error || d.message;
          if (!d.error) { f.remove(); remember({kind: "bot", message: {text: d.message}}); redraw(); }
        });
    });
    log.appendChild(f);
    f.querySelector("input").focus();
  }
  rateButton.addEventListener("click", ratingForm);
  saveButton.addEventListener("click", download);
  dataButton.addEventListener("click", dataForm);

  function setOpen(open) {
    state.open = open; save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!state.log.length) { remember({kind: "bot", message: {text: "Hej! Skriv kort, hvad du vil have hjælp til, fx \"jeg skal flytte\"."}}); redraw(); }
      input.focus();
    } else { launcher.focus(); }
  }
  launcher.addEventListener("click", function () { setOpen(!state.open); });
  close.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
  restart.addEventListener("click", function () {
    ask({message: "start forfra"}, "Start forfra").then(function () {
      state.log = state.log.slice(-4); save(); redraw(); input.focus(); });
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask({message: text}, text);
  });

  document.body.appendChild(host);
  redraw();
  loadNotices();
  if (state.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); }
  else if (script.getAttribute("data-open") === "true" && !state.log.length) { setOpen(true); }
  if (state.token) poll();
  window.Borgerguide = {open: function () { setOpen(true); }};
})();
