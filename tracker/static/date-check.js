// A date the browser's date field cannot read (31.02.2026) is sent as an empty field, so the server would call it
// missing, or take an optional one as "no date". On sending a form, each such field is marked (<name>__unreadable)
// and the server names the problem instead (tracker/http/forms.py, Form.validate). Without script the server still
// refuses what it can read; nothing else depends on this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement)) {
    return;
  }
  form.querySelectorAll('input[type="date"]').forEach(function (input) {
    var name = input.name + "__unreadable";
    var marker = Array.prototype.find.call(form.elements, function (element) { return element.name === name; });
    if (input.validity && input.validity.badInput) {
      if (!marker) {
        marker = document.createElement("input");
        marker.type = "hidden";
        marker.name = name;
        form.appendChild(marker);
      }
      marker.value = "1";
    } else if (marker) {
      marker.remove();
    }
  });
}, true);
