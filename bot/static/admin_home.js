// The operator's start page: choosing a kommune in the list opens its page
// (a file of its own: the pages allow no inline script, bot/middleware.py).
(function () {
  "use strict";
  var select = document.getElementById("kommune");
  if (!select) return;
  select.addEventListener("change", function () {
    if (select.value) location.href = "/admin/kommuner/" + encodeURIComponent(select.value) + "/";
  });
})();
