/*
 * Borgerguide chat widget. One script tag on any page:
 *   <script src="https://borgerguide.example/widget.js" data-kommune="aarhus" defer></script>
 * adds a chat button and panel inside a Shadow DOM (styles isolated from the
 * host page). No framework, no cookies, no third parties: it talks only to the
 * Borgerguide service it was loaded from. Citizen and bot text is always
 * inserted as text (textContent), links only when plain https links (safeUrl).
 *
 * The conversation's messages come with the server's ids (their position in
 * the conversation): the widget keeps a cursor (how far it has read) and adds
 * each message once, in order, whether it came with the answer to the
 * citizen's message or from polling (staff replies), also across reloads.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var BASE = new URL(script.src).origin;
  var KOMMUNE = script.getAttribute("data-kommune") || undefined;
  var STORE = "borgerguide-" + (KOMMUNE || "default");
  var HUMAN = "/request_human";
  // The conversation's id and secret come from the service with the first answer and are kept in this
  // tab only (sessionStorage): they are what makes the conversation this browser's.
  var state = JSON.parse(sessionStorage.getItem(STORE) || "null") || {
    sender: null, token: null, log: [], open: false, cursor: 0, handoff: null, pending: []
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
  var entries = el("div", "entries");
  var extras = el("div", "extras");  // the callback and rating forms: kept when messages arrive
  var typing = el("p", "msg typing");
  typing.hidden = true;
  var waiting = el("div", "waiting");  // the citizen's messages in line, sent after the answer
  log.append(entries, extras, typing, waiting);
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
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
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
  function telLink(cls, text, phone) {
    var digits = String(phone || "").replace(/[^+0-9]/g, "");
    if (!/[0-9]{3,}/.test(digits)) return null;
    var a = el("a", cls, text);
    a.href = "tel:" + digits;
    return a;
  }
  function custom(m) { return m && m.custom && typeof m.custom === "object" ? m.custom : null; }

  // --- drawing -------------------------------------------------------------------
  // Buttons stay under every bot message of the latest bot turn (the messages
  // after the citizen's last one); the acute help keeps its own button always.
  function quickButtons(buttons, skip) {
    var wrap = el("div", "buttons");
    buttons.forEach(function (b) {
      if (!b || typeof b.payload !== "string" || (skip && b.payload === skip)) return;
      var btn = el("button", "quick", b.title || b.payload);
      btn.type = "button";
      btn.setAttribute("data-payload", b.payload);
      btn.addEventListener("click", function () { ask({payload: b.payload}, b.title || ""); });
      wrap.appendChild(btn);
    });
    return wrap.childNodes.length ? wrap : null;
  }
  function drawUser(entry) {
    var p = el("p", "msg user", entry.text);
    if (entry.state === "queued") p.appendChild(el("span", "note", "Sendes, når Borgerguiden har svaret"));
    if (entry.state === "failed") {
      p.appendChild(el("span", "note", "Ikke sendt."));
      var again = el("button", "again", "Send igen");
      again.type = "button";
      again.addEventListener("click", function () {
        entry.state = null; save(); redraw();
        enqueue(entry.body || {message: entry.text}, entry);
      });
      p.appendChild(again);
    }
    return [p];
  }
  function drawBot(entry, live) {
    var m = entry.message || {}, c = custom(m), nodes = [];
    if (m.text) nodes.push(el("p", "msg bot" + (m.staff ? " staff" : ""), (m.staff ? "Medarbejder: " : "") + m.text));
    if (c && (c.type === "solution" || c.type === "referral")) nodes.push(card(c));
    if (c && c.type === "notice" && c.text) nodes.push(el("p", "notice", c.text));
    if (c && c.type === "acute") nodes.push(acute(c));
    if (c && c.type === "answer" && safeUrl(c.source)) {  // where the answer's facts come from
      var source = el("a", "source", "Kilde: " + (c.source_title || new URL(c.source).hostname));
      source.href = safeUrl(c.source); source.target = "_blank"; source.rel = "noopener noreferrer";
      nodes.push(source);
    }
    if (live && Array.isArray(m.buttons) && m.buttons.length) {
      var wrap = quickButtons(m.buttons, c && c.type === "acute" ? HUMAN : null);
      if (wrap) { wrap.classList.add("live"); nodes.push(wrap); }
    }
    return nodes;
  }
  // A solution card, or a referral card (another authority handles it: who,
  // its page and, where known, its phone).
  function card(c) {
    var referral = c.type === "referral";
    var box = el("div", referral ? "card referral" : "card");
    box.appendChild(el("h3", "card-title", c.title));
    if (referral) box.appendChild(el("p", "authority", "Det klarer " + (c.authority_name || c.authority) + "."));
    var ol = el("ol", "steps");
    (Array.isArray(c.steps) ? c.steps : []).forEach(function (s) { ol.appendChild(el("li", null, s)); });
    box.appendChild(ol);
    var url = safeUrl(c.url);
    if (url) {
      var a = el("a", "go", referral ? "Gå til " + (c.authority_name || "siden") : "Gå til selvbetjeningen");
      a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
      box.appendChild(a);
    }
    if (referral && c.phone) {
      var tel = telLink("phone", "Ring " + c.phone, c.phone);
      if (tel) box.appendChild(tel);
    }
    if (c.login && c.login !== "Ingen") box.appendChild(el("p", "login", "Du skal bruge: " + c.login));
    return box;
  }
  // Acute help: every number a big tap-to-call link, the way to a person always there.
  function acute(c) {
    var box = el("div", "acute");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Hjælp nu");
    box.appendChild(el("h3", "card-title", "Ring og få hjælp nu"));
    var lines = Array.isArray(c.lines) ? c.lines : [];
    var has112 = lines.some(function (l) { return l && String(l.phone || "").replace(/[^0-9]/g, "") === "112"; });
    if (!has112) box.appendChild(telLink("call emergency", "Er du i fare: Ring 112", "112"));  // never without it
    lines.forEach(function (line) {
      if (!line || typeof line !== "object") return;
      var emergency = String(line.phone || "").replace(/[^0-9]/g, "") === "112";
      var tel = telLink(emergency ? "call emergency" : "call", (line.name ? line.name + ": " : "Ring ") + (line.phone || ""),
                        line.phone);
      if (!tel) { if (line.name) box.appendChild(el("p", "call-text", line.name)); return; }
      box.appendChild(tel);
      if (line.when) box.appendChild(el("p", "when", String(line.when)));
    });
    var local = c.local && typeof c.local === "object" ? c.local : null;
    if (local && local.name) {
      var own = telLink("call", local.name + ": " + (local.phone || ""), local.phone);
      box.appendChild(own || el("p", "call-text", local.name));
    }
    var human = el("button", "quick human", "Tal med en medarbejder nu");
    human.type = "button";
    human.addEventListener("click", function () { ask({payload: HUMAN}, "Tal med en medarbejder nu"); });
    box.appendChild(human);
    return box;
  }
  function lastUser() {
    var at = -1;
    state.log.forEach(function (e, i) { if (e.kind === "user") at = i; });
    return at;
  }
  function redraw() {
    entries.textContent = "";
    var after = lastUser();
    state.log.forEach(function (e, i) {
      (e.kind === "user" ? drawUser(e) : drawBot(e, i > after)).forEach(function (n) { entries.appendChild(n); });
    });
    oneHumanButton();
  }
  // The acute help has its own "Tal med en medarbejder nu": not a second one beside it.
  function oneHumanButton() {
    var turn = [], nodes = entries.children;
    for (var i = nodes.length - 1; i >= 0 && !nodes[i].classList.contains("user"); i--) turn.push(nodes[i]);
    if (!turn.some(function (n) { return n.classList.contains("acute"); })) return;
    turn.forEach(function (n) {
      if (!n.classList.contains("buttons")) return;
      n.querySelectorAll('.quick[data-payload="' + HUMAN + '"]').forEach(function (b) { b.remove(); });
      if (!n.children.length) n.remove();
    });
  }
  // New entries: drawn at the end; a citizen's message ends the previous turn's buttons.
  function add(entry) {
    state.log.push(entry);
    if (state.log.length > 200) { state.log.shift(); }
    save();
    if (entry.kind === "user") entries.querySelectorAll(".buttons.live").forEach(function (b) { b.remove(); });
    var nodes = entry.kind === "user" ? drawUser(entry) : drawBot(entry, true);
    nodes.forEach(function (n) { entries.appendChild(n); });
    return nodes[0];
  }
  // Shows the start of what is new: all of it if it fits, else its first
  // message at the top (a long answer is read from its title, not its end).
  function reveal(first) {
    if (!first) return;
    var room = log.clientHeight;
    var height = log.scrollHeight - first.offsetTop;
    log.scrollTop = height <= room ? log.scrollHeight : first.offsetTop - 8;
  }

  // --- the conversation's messages, by id ------------------------------------------
  function same(a, b) {
    return (a.text || "") === (b.text || "") && JSON.stringify(a.custom || null) === JSON.stringify(b.custom || null);
  }
  // Messages from the server with their ids: each is added once, in order.
  function receive(messages, cursor) {
    var first = null;
    (messages || []).forEach(function (m) {
      if (typeof m.id !== "number" || m.id < state.cursor) return;
      // shown already from an answer whose ids were not known (see `fallback`)
      var known = state.log.filter(function (e) { return e.unconfirmed && same(e.message, m); })[0];
      state.cursor = m.id + 1;
      if (known) { delete known.unconfirmed; known.message = m; return; }
      var node = add({kind: "bot", message: m});
      first = first || node;
    });
    if (typeof cursor === "number" && cursor > state.cursor) state.cursor = cursor;
    save();
    oneHumanButton();
    reveal(first);
  }
  function fallback(messages) {
    var first = null;
    (messages || []).forEach(function (m) {
      var node = add({kind: "bot", message: m, unconfirmed: true});
      first = first || node;
    });
    oneHumanButton();
    reveal(first);
  }
  function local(text) { reveal(add({kind: "bot", message: {text: text}})); }

  // --- the hand-off --------------------------------------------------------------
  function showHandoff(h) {
    var had = state.handoff;
    state.handoff = h || null; save();
    if (!h) {
      status.textContent = "";
      var gone = extras.querySelector(".callback");
      if (gone) gone.remove();
      if (had) graceUntil = Date.now() + 15000;  // the closing message may come just after
      return;
    }
    var when = h.callback_time ? " (" + h.callback_time.charAt(0).toLowerCase() + h.callback_time.slice(1) + ")" : "";
    if (h.status === "claimed" && h.chatting) {
      status.textContent = "Du skriver med en medarbejder fra Borgerservice. Dine beskeder går til medarbejderen.";
    } else if (h.callback_requested) {
      status.textContent = h.status === "claimed" ? "En medarbejder har din henvendelse og ringer dig op" + when + "."
        : "Vi ringer dig op" + when + ".";
    } else if (h.status === "claimed") {
      status.textContent = "En medarbejder fra Borgerservice har taget din henvendelse og skriver til dig her.";
    } else if (h.mode === "live") {
      status.textContent = "Du venter på en medarbejder. Du er nr. " + h.position + " i køen (ca. " +
        h.estimate_minutes + " min). Skriv gerne, hvad det drejer sig om.";
    } else {
      status.textContent = "Vi kan ringe dig op. Skriv dit nummer i formularen.";
    }
    var existing = extras.querySelector(".callback");
    if (h.offer_callback && !h.callback_requested && !existing) callbackForm(h);
    if (h.callback_requested && existing) existing.remove();
  }
  function callbackForm(h) {
    var f = el("form", "callback");
    f.appendChild(el("p", null, "Skriv dit telefonnummer, så ringer Borgerservice dig op."));
    var pl = el("label", null, "Telefonnummer"); var phone = el("input"); phone.id = "bg-phone"; phone.type = "tel"; pl.htmlFor = "bg-phone";
    phone.autocomplete = "tel";
    var nl = el("label", null, "Dit navn (hvis du vil)"); var name = el("input"); name.id = "bg-name"; name.autocomplete = "name"; nl.htmlFor = "bg-name";
    var tl = el("label", null, "Hvornår passer det dig?"); var when = el("input"); when.id = "bg-when"; tl.htmlFor = "bg-when";
    var cl = el("label", "consent"); var consent = el("input"); consent.type = "checkbox"; consent.id = "bg-consent";
    cl.append(consent, document.createTextNode(" Ja, I må gemme mit nummer og navn og ringe til mig om denne sag."));
    var problem = el("p", "problem"); problem.setAttribute("role", "alert");
    var ok = el("button", "send", "Ring mig op"); ok.type = "submit";
    f.append(pl, phone, nl, name, tl, when, cl, problem, ok);
    extras.appendChild(f);
    // the form in view: whole if it fits, else from its start
    var room = log.clientHeight;
    log.scrollTop = f.offsetHeight + 16 <= room ? f.offsetTop + f.offsetHeight + 8 - room : f.offsetTop - 8;
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      ok.disabled = true;
      post("/api/chat/callback", {sender: state.sender, token: state.token, escalation_id: h.escalation_id,
                                  phone: phone.value, name: name.value, time: when.value, consent: consent.checked})
        .then(function (d) {
          ok.disabled = false;
          if (d.error) { problem.textContent = d.error; return; }
          f.remove();
          if (!d.told) local(d.message);  // else the confirmation comes with the conversation's messages
          poll();
        }).catch(function () { ok.disabled = false; problem.textContent = "Det lykkedes ikke. Prøv igen om lidt."; });
    });
  }

  // --- talking to the service ------------------------------------------------------
  var polling = null, graceUntil = 0, pollBusy = false;
  function poll() {
    if (!state.token || pollBusy) return;
    pollBusy = true;
    fetch(BASE + "/api/chat/messages?sender=" + encodeURIComponent(state.sender) + "&token=" +
          encodeURIComponent(state.token) + "&cursor=" + state.cursor)
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.new_conversation && polling) { clearInterval(polling); polling = null; }  // no longer known here
        if (d.error) return;
        receive(d.messages, d.cursor);
        showHandoff(d.handoff);
        keepPolling();
      }).catch(function () {}).then(function () { pollBusy = false; });
  }
  // While a hand-off is open (and a little after), every second: a staff
  // reply is on screen within about two seconds.
  function keepPolling() {
    var wanted = state.handoff || Date.now() < graceUntil;
    if (wanted && !polling) polling = setInterval(poll, 1000);
    if (!wanted && polling) { clearInterval(polling); polling = null; }
  }
  function post(path, body) {
    return fetch(BASE + path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.json(); });
  }

  // What the citizen sends goes out one at a time, in order; what is typed
  // while the bot answers waits in line (and says so), nothing is dropped.
  var queue = [], inFlight = false;
  function setBusy(busy) {
    send.setAttribute("aria-busy", String(busy));
    send.classList.toggle("busy", busy);
    typing.textContent = state.handoff && (state.handoff.mode === "live" || state.handoff.chatting)
      ? "Sender …" : "Borgerguiden skriver …";
    typing.hidden = !busy;
    if (busy) log.scrollTop = log.scrollHeight;
  }
  function ask(body, shown) {
    var entry = {kind: "user", text: shown, body: body};
    if (inFlight || queue.length) {  // in line: shown below, moved into the conversation when it is sent
      entry.state = "queued";
      state.pending.push(entry); save(); drawWaiting();
    } else { add(entry); }
    log.scrollTop = log.scrollHeight;
    return enqueue(body, entry);
  }
  function drawWaiting() {
    waiting.textContent = "";
    state.pending.forEach(function (e) { waiting.appendChild(drawUser(e)[0]); });
  }
  function enqueue(body, entry) {
    return new Promise(function (done) { queue.push({body: body, entry: entry, done: done}); pump(); });
  }
  function pump() {
    if (inFlight || !queue.length) return;
    var item = queue.shift();
    inFlight = true;
    if (item.entry.state === "queued") {
      delete item.entry.state;
      state.pending = state.pending.filter(function (e) { return e !== item.entry; });
      drawWaiting();
      add(item.entry);
    }
    setBusy(true);
    var body = Object.assign({}, item.body, {kommune: KOMMUNE, cursor: state.cursor});
    if (state.token) { body.sender = state.sender; body.token = state.token; }
    post("/api/chat", body).then(function (d) {
      if (d.new_conversation && !item.again) {  // the service no longer knows it (e.g. erased): start anew
        state.sender = null; state.token = null; state.cursor = 0; save();
        queue.unshift({body: item.body, entry: item.entry, done: item.done, again: true});
        return "again";
      }
      if (d.error) { local(d.error); return; }
      if (d.token) { state.token = d.token; state.sender = d.sender; }
      (d.messages || []).forEach(function (m) {
        var c = custom(m);
        if (c && c.type === "solution") state.area = c.solution_id;
        if (c && c.type === "referral") state.area = c.topic;
      });
      delete item.entry.body; save();
      if (Array.isArray(d.feed)) receive(d.feed, d.cursor); else fallback(d.messages);
      showHandoff(d.handoff);
      keepPolling();
    }).catch(function () {
      item.entry.state = "failed"; save(); redraw();
      local("Chatten svarer ikke lige nu. Prøv igen om lidt.");
    }).then(function (result) {
      inFlight = false;
      setBusy(queue.length > 0);
      if (result !== "again") item.done();
      pump();
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
    extras.appendChild(f);
    f.scrollIntoView({block: "nearest"});
    f.querySelector("input").focus();
  }

  // The transcript as a plain text file the citizen can keep.
  function download() {
    var lines = state.log.map(function (e) {
      if (e.kind === "user") return "Du: " + e.text;
      var m = e.message || {}, c = custom(m), parts = [];
      if (m.text) parts.push((m.staff ? "Medarbejder: " : "Borgerguiden: ") + m.text);
      if (c && (c.type === "solution" || c.type === "referral")) {
        parts.push(c.title + (c.url ? " (" + c.url + ")" : "") + (c.phone ? ", tlf. " + c.phone : ""));
        (c.steps || []).forEach(function (s, i) { parts.push("  " + (i + 1) + ". " + s); });
      }
      if (c && c.type === "acute") {
        (Array.isArray(c.lines) ? c.lines : []).concat(c.local ? [c.local] : []).forEach(function (l) {
          if (l && l.name) parts.push("  " + l.name + (l.phone ? ": " + l.phone : "") + (l.when ? " (" + l.when + ")" : ""));
        });
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
    host.classList.toggle("open", open);
    if (open) {
      if (!state.log.length) local("Hej! Skriv kort, hvad du vil have hjælp til, fx \"jeg skal flytte\".");
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
  // what was in line before a reload is sent now
  state.pending = Array.isArray(state.pending) ? state.pending : [];
  state.pending.forEach(function (e) { enqueue(e.body || {message: e.text}, e); });
  drawWaiting();
  if (typeof state.cursor !== "number") state.cursor = null;
  redraw();
  loadNotices();
  if (state.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); host.classList.add("open"); }
  else if (script.getAttribute("data-open") === "true" && !state.log.length) { setOpen(true); }
  if (state.token) {
    if (state.cursor === null) {  // a conversation from before cursors: everything so far has been shown
      state.cursor = 1e9;
      fetch(BASE + "/api/chat/messages?sender=" + encodeURIComponent(state.sender) + "&token=" +
            encodeURIComponent(state.token) + "&cursor=" + state.cursor)
        .then(function (r) { return r.json(); })
        .then(function (d) { if (typeof d.cursor === "number") { state.cursor = d.cursor; save(); poll(); } });
    } else { poll(); }
  } else if (state.cursor === null) { state.cursor = 0; }
  window.Borgerguide = {open: function () { setOpen(true); }};
})();
