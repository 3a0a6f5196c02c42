// The reply form's files: the limits the form states are checked as soon as files are chosen,
// so a reply that the server would refuse is not sent and nothing typed is lost. The server
// checks them again (helpdesk.inbox.reply_files), with the files' bytes.
(function () {
  "use strict";
  var input = document.getElementById("reply-files");
  if (!input || !window.FileList) { return; }
  var maxCount = Number(input.getAttribute("data-max-count"));
  var maxFile = Number(input.getAttribute("data-max-file"));
  var maxTotal = Number(input.getAttribute("data-max-total"));
  var allowed = (input.getAttribute("accept") || "").split(",");
  var box = document.getElementById("reply-files-error");
  var MB = 1024 * 1024;

  function mb(bytes) { return String(Math.round(bytes / MB * 10) / 10).replace(".", ","); }

  function problem() {
    var files = Array.prototype.slice.call(input.files || []), total = 0;
    if (files.length > maxCount) {
      return "К одному ответу можно приложить не больше " + maxCount + " файлов, выбрано " + files.length;
    }
    for (var i = 0; i < files.length; i++) {
      var name = files[i].name, dot = name.lastIndexOf(".");
      var ext = dot > 0 ? name.slice(dot).toLowerCase() : "";
      if (allowed.indexOf(ext) === -1) {
        return "Файл «" + name + "»: такой тип не отправляется. Можно: изображения JPG, PNG, GIF, WebP " +
               "и документы PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, RTF, TXT";
      }
      if (files[i].size > maxFile) {
        return "Файл «" + name + "» больше " + mb(maxFile) + " МБ — наибольшего размера одного файла";
      }
      total += files[i].size;
    }
    if (total > maxTotal) { return "Файлы вместе больше " + mb(maxTotal) + " МБ"; }
    return "";
  }

  function check() {
    var text = problem();
    input.setCustomValidity(text);  // the browser then refuses to send the form
    input.classList.toggle("is-invalid", !!text);
    if (box) { box.textContent = text; box.hidden = !text; }
    return text;
  }

  input.addEventListener("change", check);
  if (input.form) {
    input.form.addEventListener("submit", function (event) {
      if (check()) { event.preventDefault(); input.focus(); }
    });
  }
}());
