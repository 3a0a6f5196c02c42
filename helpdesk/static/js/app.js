// Site-wide behaviour; no inline scripts are allowed by the CSP.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector('input[name="csrf_token"]');
  if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
});
