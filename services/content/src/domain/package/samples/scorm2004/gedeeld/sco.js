/* Medicatie veilig toedienen: de twee SCO's voor SCORM 2004 (4e editie), zonder bibliotheken
 * (ES2017). Welke SCO dit is, zegt <body data-sco="uitleg|toets">. */
"use strict";

(function () {
  var start = Date.now();
  var api = null;
  var gestart = false; // Initialize is gelukt
  var klaar = false; // Terminate is gelukt

  function $(id) {
    return document.getElementById(id);
  }

  function meld(tekst, fout) {
    var p = document.createElement("p");
    p.textContent = tekst;
    if (fout) p.className = "fout";
    $("status").appendChild(p);
  }

  // window.API_1484_11 in dit venster of een van zijn ouders (hoogstens 10 niveaus hoger).
  function zoekApi(w) {
    for (var n = 0; w && n <= 10; n++) {
      try {
        if (w.API_1484_11) return w.API_1484_11;
      } catch (e) {
        // een ouder van een ander domein: verder zoeken
      }
      if (w.parent === w) break;
      w = w.parent;
    }
    return null;
  }

  function verbonden() {
    return api !== null && gestart && !klaar;
  }

  function fout(wat) {
    var code = String(api.GetLastError());
    meld("Fout bij " + wat + ": " + code + " " + api.GetErrorString(code), true);
  }

  function gelukt(uitkomst, wat) {
    if (String(uitkomst) === "true") return true;
    fout(wat);
    return false;
  }

  // 403 is "nog geen waarde": geen fout voor wie alleen kijkt of er iets is.
  function lees(element) {
    if (!verbonden()) return "";
    var waarde = api.GetValue(element);
    var code = String(api.GetLastError());
    if (code !== "0" && code !== "" && code !== "403") fout("GetValue " + element);
    return waarde === null || waarde === undefined ? "" : String(waarde);
  }

  function zet(element, waarde) {
    return verbonden() && gelukt(api.SetValue(element, waarde), "SetValue " + element);
  }

  function bewaar() {
    return verbonden() && gelukt(api.Commit(""), "Commit");
  }

  function stop() {
    if (!verbonden() || !gelukt(api.Terminate(""), "Terminate")) return false;
    klaar = true;
    document.querySelectorAll("button").forEach(function (b) {
      b.disabled = true;
    });
    return true;
  }

  // ISO 8601-duur (timeinterval), op 0,01 s.
  function duur() {
    return "PT" + ((Date.now() - start) / 1000).toFixed(2) + "S";
  }

  // SCORM 2004 time(second,10,0): hoogstens twee cijfers achter de komma.
  function tijdstip() {
    return new Date().toISOString().replace(/(\.\d\d)\dZ$/, "$1Z");
  }

  function begonnen() {
    var c = lees("cmi.completion_status");
    if (c === "unknown" || c === "not attempted" || c === "") {
      zet("cmi.completion_status", "incomplete");
    }
  }

  function uitleg() {
    begonnen();
    $("gelezen").addEventListener("click", function () {
      zet("cmi.completion_status", "completed");
      zet("cmi.location", "einde");
      zet("cmi.progress_measure", "1");
      if (bewaar()) meld("Gelezen: dit deel is afgerond.");
    });
    $("volgende").addEventListener("click", function () {
      zet("adl.nav.request", "continue");
      zet("cmi.session_time", duur());
      if (stop()) meld("Op naar de toets…");
    });
    return function () {
      zet("cmi.session_time", duur());
      stop();
    };
  }

  function gekozen(vraag) {
    var vakjes = document.querySelectorAll('input[name="' + vraag + '"]:checked');
    return Array.from(vakjes, function (i) {
      return i.value;
    });
  }

  function kies(vraag, letters) {
    (Array.isArray(letters) ? letters : [letters]).forEach(function (letter) {
      var vakje = typeof letter === "string" && $(vraag + "-" + letter);
      if (vakje) vakje.checked = true;
    });
  }

  function antwoorden() {
    return { v1: gekozen("v1")[0] || "", v2: gekozen("v2") };
  }

  function interactie(n, id, omschrijving, antwoord, juist, goed, tijd) {
    var p = "cmi.interactions." + n + ".";
    zet(p + "id", id);
    zet(p + "type", "choice");
    zet(p + "description", omschrijving);
    zet(p + "correct_responses.0.pattern", juist.join("[,]"));
    zet(p + "learner_response", antwoord.join("[,]"));
    zet(p + "result", goed ? "correct" : "incorrect");
    zet(p + "timestamp", tijd);
  }

  function toets() {
    begonnen();
    var succes = lees("cmi.success_status");
    var drempel = parseFloat(lees("cmi.scaled_passing_score"));
    if (isNaN(drempel)) drempel = 0.8;
    var bewaard = lees("cmi.suspend_data");
    if (bewaard) {
      try {
        var data = JSON.parse(bewaard) || {};
        kies("v1", data.v1);
        kies("v2", data.v2);
        $("hervat").textContent = "Welkom terug — uw antwoorden van de vorige keer staan er nog.";
        $("hervat").hidden = false;
      } catch (e) {
        meld("De bewaarde antwoorden (cmi.suspend_data) zijn geen JSON; we beginnen opnieuw.", true);
      }
    }
    document.querySelectorAll("input").forEach(function (vakje) {
      vakje.addEventListener("change", function () {
        zet("cmi.suspend_data", JSON.stringify(antwoorden()));
      });
    });

    $("inleveren").addEventListener("click", function () {
      var v1 = gekozen("v1");
      var v2 = gekozen("v2");
      if (v1.length === 0 || v2.length === 0) {
        $("resultaat").textContent = "Beantwoord eerst beide vragen.";
        return;
      }
      var goed1 = v1.join() === "b";
      var goed2 = v2.join() === "a,c";
      var aantal = (goed1 ? 1 : 0) + (goed2 ? 1 : 0);
      var geschaald = aantal / 2;
      succes = geschaald >= drempel ? "passed" : "failed";
      var tijd = tijdstip();
      interactie(0, "v1", "Wat controleert u vlak voor het geven?", v1, ["b"], goed1, tijd);
      interactie(1, "v2", "Een cliënt weigert haar medicijn: wat doet u?", v2, ["a", "c"], goed2, tijd);
      zet("cmi.objectives.0.id", "medicatie");
      zet("cmi.objectives.0.success_status", succes);
      zet("cmi.objectives.0.score.scaled", String(geschaald));
      zet("cmi.score.scaled", String(geschaald));
      zet("cmi.score.raw", String(geschaald * 100));
      zet("cmi.score.min", "0");
      zet("cmi.score.max", "100");
      zet("cmi.success_status", succes);
      zet("cmi.completion_status", "completed");
      zet("cmi.session_time", duur());
      if (bewaar()) meld("Resultaat bewaard.");
      $("resultaat").textContent =
        (succes === "passed" ? "Geslaagd: " : "Niet geslaagd: ") +
        geschaald * 100 + " punten (" + aantal + " van de 2 vragen goed)";
    });

    // Geslaagd is klaar; anders "suspend", zodat de antwoorden er de volgende keer nog zijn.
    function vertrek(navigatie) {
      zet("cmi.exit", succes === "passed" ? "normal" : "suspend");
      if (navigatie) zet("adl.nav.request", navigatie);
      zet("cmi.session_time", duur());
      return stop();
    }
    $("afsluiten").addEventListener("click", function () {
      if (vertrek("exitAll") || !api || !gestart) meld("U kunt dit venster sluiten.");
    });
    return function () {
      vertrek("");
    };
  }

  function begin() {
    api = zoekApi(window) || (window.opener ? zoekApi(window.opener) : null);
    if (!api) {
      meld("Geen leeromgeving gevonden. Uw voortgang wordt niet bewaard.", true);
    } else if (gelukt(api.Initialize(""), "Initialize")) {
      gestart = true;
      meld("Verbonden met de leeromgeving.");
    }
    var sco = document.body.getAttribute("data-sco");
    var bijVertrek = sco === "toets" ? toets() : uitleg();
    // Wie het venster sluit zonder de knoppen, verliest niets.
    window.addEventListener("pagehide", function () {
      if (verbonden()) bijVertrek();
    });
  }

  begin();
})();
