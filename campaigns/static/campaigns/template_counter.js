/* Live character and SMS segment count under each campaign template (served locally, no CDN).
 * Mirrors campaigns/merge_fields.py: GSM-7 (160 per text, 153 per part; extension characters
 * count twice) unless a character needs UCS-2 (70 per text, 67 per part, UTF-16 units).
 * Shown twice: the template as typed, and with typical values in place of its merge fields. */
(function () {
  "use strict";
  var GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXTENSION = "\f^{}\\[~]|€";
  var SAMPLE = { first_name: "Jennifer", last_name: "Anderson", property_address: "1234 Commonwealth Ave", city: "Springfield" };

  function withSampleValues(template) {
    return template.replace(/\{([^{}|]*)(\|[^{}]*)?\}/g, function (whole, name) {
      name = name.trim();
      return Object.prototype.hasOwnProperty.call(SAMPLE, name) ? SAMPLE[name] : whole;
    });
  }

  function count(text) {
    var septets = 0;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (GSM_BASIC.indexOf(ch) !== -1) { septets += 1; }
      else if (GSM_EXTENSION.indexOf(ch) !== -1) { septets += 2; }
      else { septets = -1; break; }
    }
    var encoding = septets >= 0 ? "GSM-7" : "UCS-2";
    var units = septets >= 0 ? septets : text.length;
    var single = septets >= 0 ? 160 : 70;
    var part = septets >= 0 ? 153 : 67;
    var segments = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / part));
    return { encoding: encoding, units: units, segments: segments, characters: Array.from(text).length };
  }

  function describe(c) {
    return c.characters + " characters, " + c.segments + " segment" + (c.segments === 1 ? "" : "s") +
      " (" + c.encoding + ")";
  }

  function attach(textarea) {
    var output = document.createElement("div");
    output.className = "sms-counter help";
    output.setAttribute("aria-live", "polite");
    textarea.insertAdjacentElement("afterend", output);
    function update() {
      var raw = textarea.value.trim();
      var typed = count(raw);
      var merged = count(withSampleValues(raw));
      output.textContent = "As typed: " + describe(typed) + ". With typical names and addresses: " +
        describe(merged) + ".";
      output.classList.toggle("sms-counter-long", merged.segments > 1);
    }
    textarea.addEventListener("input", update);
    update();
  }

  window.campaignSmsCount = count;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-sms-counter]").forEach(attach);
  });
})();
