// passkey.js is the browser's half of the admin's passkey (WebAuthn)
// ceremonies. Each element with data-passkey="create" or "get" holds a form;
// its button fetches the options from data-options (a POST with the form's
// fields, the CSRF token among them), asks the browser for the credential,
// and submits the form with the answer as JSON in the "credential" field.
// The box stays hidden where the browser has no WebAuthn, and the pages'
// code forms work without this script.
(function () {
  'use strict';

  function toBuffer(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toBase64URL(buf) {
    var bytes = new Uint8Array(buf), bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function creationOptions(o) {
    var p = o.publicKey;
    p.challenge = toBuffer(p.challenge);
    p.user.id = toBuffer(p.user.id);
    (p.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return p;
  }

  function requestOptions(o) {
    var p = o.publicKey;
    p.challenge = toBuffer(p.challenge);
    (p.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return p;
  }

  function encode(cred) {
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: toBase64URL(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64URL(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = toBase64URL(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toBase64URL(r.authenticatorData);
      out.response.signature = toBase64URL(r.signature);
      if (r.userHandle) out.response.userHandle = toBase64URL(r.userHandle);
    }
    return JSON.stringify(out);
  }

  function start(box) {
    var form = box.querySelector('form');
    var button = box.querySelector('[data-passkey-start]');
    var problem = box.querySelector('[data-passkey-error]');
    button.addEventListener('click', function () {
      button.disabled = true;
      problem.hidden = true;
      fetch(box.dataset.options, {
        method: 'POST',
        body: new URLSearchParams(new FormData(form)),
        credentials: 'same-origin'
      }).then(function (res) {
        return res.json().then(function (o) {
          if (!res.ok) throw new Error(o.error || res.statusText);
          return box.dataset.passkey === 'create'
            ? navigator.credentials.create({ publicKey: creationOptions(o) })
            : navigator.credentials.get({ publicKey: requestOptions(o) });
        });
      }).then(function (cred) {
        form.elements.credential.value = encode(cred);
        form.submit();
      }).catch(function (e) {
        problem.textContent = box.dataset.failed + (e && e.message ? ' (' + e.message + ')' : '');
        problem.hidden = false;
        button.disabled = false;
      });
    });
    box.hidden = false;
  }

  if (!window.PublicKeyCredential || !navigator.credentials) return;
  document.querySelectorAll('[data-passkey]').forEach(start);
})();
