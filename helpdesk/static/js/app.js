// Site-wide behaviour; no inline scripts are allowed by the CSP.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector('input[name="csrf_token"]');
  if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
});

// A form with data-confirm asks before it is sent (the action itself works without JavaScript).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});
