// The kommune admin's page: a preview of the card as the chat widget shows it,
// built from the form's draft values (text is always inserted as text).
(function () {
  "use strict";
  var form = document.getElementById("content-form");
  var button = document.getElementById("preview-button");
  if (!form || !button) return;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function draft() {
    var out = {};
    form.querySelectorAll("[data-key]").forEach(function (input) {
      var key = input.getAttribute("data-key");
      if (key === "url" || key === "intro") out[key] = input.value;
      if (key === "steps") out.steps = input.value;
    });
    return out;
  }
  function render(result) {
    var box = document.getElementById("preview");
    box.textContent = "";
    if (result.problems) {
      Object.keys(result.problems).forEach(function (k) { box.appendChild(el("p", "error", result.problems[k])); });
      return;
    }
    var c = result.card;
    box.appendChild(el("p", "msg bot", result.intro));
    var card = el("div", "card" + (c.type === "referral" ? " referral" : ""));
    card.appendChild(el("h3", "card-title", c.title));
    var ol = el("ol", "steps");
    (c.steps || []).forEach(function (s) { ol.appendChild(el("li", null, s)); });
    card.appendChild(ol);
    if (c.url) {
      var a = el("a", "go", c.type === "referral" ? "Gå til siden" : "Gå til selvbetjeningen");
      a.href = c.url; a.target = "_blank"; a.rel = "noopener noreferrer"; a.id = "preview-link";
      card.appendChild(a);
    }
    if (c.login && c.login !== "Ingen") card.appendChild(el("p", "login", "Du skal bruge: " + c.login));
    box.appendChild(card);
  }
  button.addEventListener("click", function () {
    fetch("/api/admin/kommuner/" + form.getAttribute("data-kommune") + "/preview", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({entry: form.getAttribute("data-entry"), draft: draft()})
    }).then(function (r) { return r.json(); }).then(render);
  });
})();
