/* Veilig tillen: een SCO voor SCORM 1.2, zonder bibliotheken (ES2017).
 * Bewaart de pagina in cmi.core.lesson_location en in cmi.suspend_data een JSON-object
 * {"pagina", "antwoord", "notities"}; "notities" maakt het bewust groter dan 4096 tekens, de
 * grens van SCORM 1.2, zodat te zien is of de leeromgeving meer bewaart. */
"use strict";

(function () {
  var PAGINAS = 3;
  // Een notitie zoals een zorgmedewerker die maakt; herhaald tot ruim 4096 tekens.
  var NOTITIE = "Notitie: bij mevrouw Bakker eerst het bed op werkhoogte en de remmen vast, de tillift met de middelste band, met twee collega's en volgens het tilprotocol in het dossier. ";
  var NOTITIE_HERHALING = 30;

  var start = Date.now();
  var api = null;
  var gestart = false; // LMSInitialize is gelukt
  var klaar = false; // LMSFinish is gelukt
  var pagina = 1;
  var antwoord = "";
  var status = "";

  function $(id) {
    return document.getElementById(id);
  }

  function meld(tekst, fout) {
    var p = document.createElement("p");
    p.textContent = tekst;
    if (fout) p.className = "fout";
    $("status").appendChild(p);
  }

  // window.API in dit venster of een van zijn ouders (hoogstens 10 niveaus hoger).
  function zoekApi(w) {
    for (var n = 0; w && n <= 10; n++) {
      try {
        if (w.API) return w.API;
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
    var code = String(api.LMSGetLastError());
    meld("Fout bij " + wat + ": " + code + " " + api.LMSGetErrorString(code), true);
  }

  function gelukt(uitkomst, wat) {
    if (String(uitkomst) === "true") return true;
    fout(wat);
    return false;
  }

  function lees(element) {
    if (!verbonden()) return "";
    var waarde = api.LMSGetValue(element);
    var code = String(api.LMSGetLastError());
    if (code !== "0" && code !== "") fout("LMSGetValue " + element);
    return waarde === null || waarde === undefined ? "" : String(waarde);
  }

  function zet(element, waarde) {
    return verbonden() && gelukt(api.LMSSetValue(element, waarde), "LMSSetValue " + element);
  }

  function bewaar() {
    return verbonden() && gelukt(api.LMSCommit(""), "LMSCommit");
  }

  function twee(n, breed) {
    return String(n).padStart(breed || 2, "0");
  }

  // CMITimespan van SCORM 1.2: HHHH:MM:SS.SS
  function tijdsduur() {
    var cs = Math.round((Date.now() - start) / 10);
    var uur = Math.floor(cs / 360000);
    var min = Math.floor(cs / 6000) % 60;
    var sec = Math.floor(cs / 100) % 60;
    return twee(Math.min(uur, 9999), 4) + ":" + twee(min) + ":" + twee(sec) + "." + twee(cs % 100);
  }

  function gegevens() {
    return { pagina: pagina, antwoord: antwoord, notities: NOTITIE.repeat(NOTITIE_HERHALING) };
  }

  function leesGegevens(tekst) {
    if (!tekst) return null;
    try {
      var data = JSON.parse(tekst);
      return data && typeof data === "object" ? data : null;
    } catch (e) {
      meld("De bewaarde gegevens (cmi.suspend_data) zijn geen JSON; we beginnen opnieuw.", true);
      return null;
    }
  }

  function toonPagina(n) {
    for (var i = 1; i <= PAGINAS; i++) $("pagina-" + i).hidden = i !== n;
    $("volgende").hidden = n >= PAGINAS;
    $("voortgang").textContent = "Pagina " + n + " van " + PAGINAS;
  }

  function naarPagina(n) {
    pagina = n;
    toonPagina(n);
    $("kop-" + n).focus();
    if (!verbonden()) return;
    zet("cmi.core.lesson_location", String(n));
    zet("cmi.suspend_data", JSON.stringify(gegevens()));
    if (bewaar()) meld("Voortgang bewaard: pagina " + n + ".");
  }

  function inleveren() {
    var gekozen = document.querySelector('input[name="vraag1"]:checked');
    if (!gekozen) {
      $("resultaat").textContent = "Kies eerst een antwoord.";
      return;
    }
    antwoord = gekozen.value;
    var goed = antwoord === "b";
    status = goed ? "passed" : "failed";
    $("resultaat").textContent = goed ? "Geslaagd: 100 punten" : "Niet geslaagd: 0 punten";
    if (!verbonden()) return;
    zet("cmi.core.score.min", "0");
    zet("cmi.core.score.max", "100");
    zet("cmi.core.score.raw", goed ? "100" : "0");
    zet("cmi.core.lesson_status", status);
    zet("cmi.core.session_time", tijdsduur());
    zet("cmi.suspend_data", JSON.stringify(gegevens()));
    if (bewaar()) meld("Resultaat bewaard.");
  }

  // Sluit de sessie: geslaagd is klaar, anders "suspend" zodat de volgende keer hervat.
  function sluit() {
    if (!verbonden()) return false;
    zet("cmi.core.exit", status === "passed" ? "" : "suspend");
    zet("cmi.core.session_time", tijdsduur());
    if (!gelukt(api.LMSFinish(""), "LMSFinish")) return false;
    klaar = true;
    return true;
  }

  function afsluiten() {
    if (sluit() || !api || !gestart) {
      ["volgende", "inleveren", "afsluiten"].forEach(function (id) {
        $(id).disabled = true;
      });
      meld("U kunt dit venster sluiten.");
    }
  }

  function begin() {
    api = zoekApi(window) || (window.opener ? zoekApi(window.opener) : null);
    if (!api) {
      meld("Geen leeromgeving gevonden. Uw voortgang wordt niet bewaard.", true);
    } else if (gelukt(api.LMSInitialize(""), "LMSInitialize")) {
      gestart = true;
      meld("Verbonden met de leeromgeving.");
      status = lees("cmi.core.lesson_status");
      var plek = parseInt(lees("cmi.core.lesson_location"), 10);
      var data = leesGegevens(lees("cmi.suspend_data"));
      if (data && typeof data.antwoord === "string") antwoord = data.antwoord;
      if (plek >= 1 && plek <= PAGINAS) {
        pagina = plek;
        $("hervat").textContent = "Welkom terug — u was bij pagina " + plek;
        $("hervat").hidden = false;
      }
      if (status === "not attempted" || status === "") {
        if (zet("cmi.core.lesson_status", "incomplete")) status = "incomplete";
        bewaar();
      }
    }
    var keuze = antwoord && $("antwoord-" + antwoord);
    if (keuze) keuze.checked = true;
    toonPagina(pagina);
    $("volgende").addEventListener("click", function () {
      if (pagina < PAGINAS) naarPagina(pagina + 1);
    });
    $("inleveren").addEventListener("click", inleveren);
    $("afsluiten").addEventListener("click", afsluiten);
    // Wie het venster sluit zonder op Afsluiten te drukken, verliest niets.
    window.addEventListener("pagehide", sluit);
  }

  begin();
})();
