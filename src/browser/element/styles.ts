/**
 * The element's shadow styles. Theme through CSS custom properties on `parley-chat`
 * (`--parley-accent`, `--parley-bg`, `--parley-fg`, `--parley-muted`, `--parley-border`,
 * `--parley-bubble-in`, `--parley-bubble-out`, `--parley-bubble-out-fg`, `--parley-radius`,
 * `--parley-font`) and restyle parts with `parley-chat::part(name)` (see docs/BROWSER.md).
 */
export const STYLES = `
:host {
  color-scheme: light dark;
  --_accent: var(--parley-accent, #2457c5);
  --_bg: var(--parley-bg, #ffffff);
  --_fg: var(--parley-fg, #1b1f29);
  --_muted: var(--parley-muted, #5b6475);
  --_border: var(--parley-border, #d9dde5);
  --_in: var(--parley-bubble-in, #eef1f6);
  --_out: var(--parley-bubble-out, var(--_accent));
  --_out-fg: var(--parley-bubble-out-fg, #ffffff);
  --_radius: var(--parley-radius, 10px);
  --_on-accent: var(--parley-on-accent, #ffffff);
  --_danger: var(--parley-danger, #b3261e);
  --_read: var(--parley-read, #0b7a3b);
  display: block;
  min-height: 360px;
  height: 100%;
  box-sizing: border-box;
  font: var(--parley-font, 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif);
  color: var(--_fg);
  background: var(--_bg);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  overflow: hidden;
}
@media (prefers-color-scheme: dark) {
  :host {
    --_accent: var(--parley-accent, #7aa2ff);
    --_bg: var(--parley-bg, #16181d);
    --_fg: var(--parley-fg, #e6e8ee);
    --_muted: var(--parley-muted, #a3abbb);
    --_border: var(--parley-border, #323744);
    --_in: var(--parley-bubble-in, #262a33);
    --_out: var(--parley-bubble-out, #2f5bd0);
    --_on-accent: var(--parley-on-accent, #0b1020);
    --_out-fg: var(--parley-bubble-out-fg, #ffffff);
    --_danger: var(--parley-danger, #ff8a80);
    --_read: var(--parley-read, #44d17f);
  }
}
*, *::before, *::after { box-sizing: inherit; }
.layout { display: grid; grid-template-columns: minmax(200px, 30%) 1fr; grid-template-rows: auto 1fr; height: 100%; }
header { grid-column: 1 / -1; display: flex; gap: .75rem; align-items: center; padding: .5rem .75rem; border-bottom: 1px solid var(--_border); min-width: 0; }
header .me { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--_muted); }
header .me strong { color: var(--_fg); }
.status { font-size: .85em; color: var(--_muted); max-width: 45%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.status[data-state="online"]::before { content: "● "; color: #1a9b4b; }
.status[data-state="degraded"]::before { content: "● "; color: #b7791f; }
.status[data-state="offline"]::before { content: "● "; color: #c0392b; }
.waiting { display: block; font-size: .8em; font-style: italic; white-space: normal; overflow-wrap: anywhere; text-align: end; }
aside { border-right: 1px solid var(--_border); display: flex; flex-direction: column; min-height: 0; overflow-y: auto; }
aside > * { flex-shrink: 0; }
aside form { display: grid; gap: .35rem; padding: .6rem; border-bottom: 1px solid var(--_border); }
aside h2 { font-size: .75em; text-transform: uppercase; letter-spacing: .05em; color: var(--_muted); margin: .7rem .75rem .3rem; }
aside ul { list-style: none; margin: 0; padding: 0 .35rem; overflow-y: auto; }
aside li button { width: 100%; text-align: left; display: flex; justify-content: space-between; gap: .5rem; padding: .45rem .5rem; border: 0; border-radius: 6px; background: none; color: inherit; font: inherit; cursor: pointer; }
aside li button:hover { background: var(--_in); }
aside li button[aria-current="true"] { background: color-mix(in srgb, var(--_accent) 14%, transparent); }
.badge { margin-left: .4rem; font-size: .75em; border-radius: 999px; padding: 0 .45rem; background: var(--_accent); color: var(--_on-accent); align-self: center; }
.badge.secret { background: #6b3fa0; }
main { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.conv-head { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; padding: .5rem .75rem; border-bottom: 1px solid var(--_border); }
.conv-head h2 { font-size: 1em; margin: 0; flex: 1; min-width: 8rem; }
.safety { flex-basis: 100%; font-family: ui-monospace, monospace; font-size: .85em; color: var(--_muted); margin: 0; }
.empty { margin: auto; color: var(--_muted); text-align: center; padding: 1rem; }
ol.messages { list-style: none; margin: 0; padding: .75rem; overflow-y: auto; flex: 1; display: flex; flex-direction: column; gap: .35rem; }
li.msg { max-width: 75%; padding: .4rem .6rem; border-radius: var(--_radius); background: var(--_in); align-self: flex-start; overflow-wrap: anywhere; white-space: pre-wrap; }
li.msg.out { align-self: flex-end; background: var(--_out); color: var(--_out-fg); }
li.msg .meta { display: flex; gap: .4rem; justify-content: flex-end; align-items: center; font-size: .75em; margin-top: .15rem; white-space: nowrap; }
li.msg .ticks { display: inline-flex; gap: .25rem; align-items: center; }
li.msg .ticks .route { font-size: .9em; font-style: italic; }
/* delivered: plain ticks; read: ticks on a filled pill (shape and colour), "read" in words */
li.msg .ticks[data-state="read"] { background: var(--_read); color: #fff; border-radius: 999px; padding: 0 .4rem; font-weight: 700; opacity: 1; }
li.msg .ticks[data-state="failed"] { background: #ffd166; color: #3a2a00; border-radius: 4px; padding: 0 .3rem; font-weight: 700; }
li.msg .reply { display: block; font-size: .8em; border-left: 2px solid currentColor; padding-left: .4rem; margin-bottom: .2rem; }
li.msg .reactions { display: flex; gap: .25rem; margin-top: .2rem; }
li.msg .reaction { background: var(--_bg); color: var(--_fg); border-radius: 999px; padding: 0 .35rem; font-size: .85em; }
li.msg .edited { font-style: italic; }
li.line { align-self: center; max-width: 90%; text-align: center; font-size: .85em; color: var(--_muted); background: none; padding: .2rem .5rem; border: 1px dashed var(--_border); border-radius: 999px; }
li.line time { font-size: .9em; margin-left: .3rem; }
.typing { margin: 0; padding: 0 .75rem; min-height: 1.2em; font-size: .85em; color: var(--_muted); }
.empty.failure { color: var(--_danger); font-weight: 600; max-width: 28rem; }
form.rename { display: flex; gap: .35rem; flex: 1; min-width: 8rem; }
form.rename input { flex: 1; }
dialog { border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_bg); color: var(--_fg); max-width: min(26rem, 90vw); padding: 1rem 1.25rem; }
dialog::backdrop { background: rgb(0 0 0 / .45); }
dialog h2 { font-size: 1.05em; margin: 0 0 .5rem; }
dialog form { display: grid; gap: .6rem; }
dialog img.qr { justify-self: center; background: #fff; padding: .25rem; border-radius: 6px; }
dialog .hint { margin: 0; color: var(--_muted); font-size: .9em; }
.dialog-actions { display: flex; gap: .5rem; justify-content: flex-end; }
button.danger { font: inherit; border-radius: 6px; padding: .4rem .8rem; cursor: pointer; border: 1px solid var(--_danger); background: var(--_danger); color: var(--_on-accent); }
li.msg .delete { border: 0; background: none; color: inherit; font: inherit; cursor: pointer; opacity: .7; padding: 0 .2rem; }
li.msg .delete:hover, li.msg .delete:focus-visible { opacity: 1; }
form.composer { display: flex; gap: .5rem; padding: .5rem; border-top: 1px solid var(--_border); }
form.composer textarea { flex: 1; resize: none; min-height: 2.4rem; max-height: 8rem; }
input, textarea, select { font: inherit; color: inherit; background: var(--_bg); border: 1px solid var(--_border); border-radius: 6px; padding: .4rem .5rem; min-width: 0; }
button.primary, button.secondary { font: inherit; border-radius: 6px; padding: .4rem .8rem; cursor: pointer; border: 1px solid var(--_accent); }
button.primary { background: var(--_accent); color: var(--_on-accent); }
button.secondary { background: none; color: var(--_accent); }
button:disabled { opacity: .5; cursor: default; }
:focus-visible { outline: 3px solid var(--_accent); outline-offset: 2px; }
li.msg.out :focus-visible { outline-color: currentColor; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.error { color: var(--_danger); padding: .35rem .75rem; margin: 0; }
label.inline { display: flex; gap: .35rem; align-items: center; font-size: .85em; color: var(--_muted); }
figure.file { margin: 0; display: grid; gap: .25rem; } figure.file img { display: block; max-width: min(240px, 100%); max-height: 240px; border-radius: 6px; } figure.file audio { max-width: 100%; }
figure.file figcaption { font-size: .85em; } .caption { display: block; } .attach { display: flex; gap: .25rem; }
.list-head { display: flex; align-items: center; justify-content: space-between; padding-right: .6rem; } button.small { padding: .1rem .5rem; font-size: .8em; }
.badge.group { background: #0b6e6e; color: #fff; }
dialog[part~="devices-dialog"], dialog[part~="members-dialog"], dialog[part~="group-dialog"] { width: min(32rem, 92vw); max-width: min(32rem, 92vw); }
ul.rows { list-style: none; margin: 0 0 .5rem; padding: 0; display: grid; gap: .5rem; }
ul.rows li { display: flex; flex-wrap: wrap; gap: .5rem; justify-content: space-between; align-items: center; padding-bottom: .45rem; border-bottom: 1px solid var(--_border); }
ul.rows .who { display: grid; min-width: 0; } ul.rows .name { font-weight: 600; } ul.rows .meta { font-size: .8em; color: var(--_muted); }
.row-actions { display: flex; gap: .35rem; flex-wrap: wrap; }
dialog .error:empty { display: none; } dialog > .error { padding: .35rem 0; }
@media (max-width: 560px) { .layout { grid-template-columns: 1fr; grid-template-rows: auto minmax(0, 32%) minmax(0, 1fr); } header { flex-wrap: wrap; gap: .4rem; } header .me { flex-basis: 100%; } header button.secondary { padding: .25rem .5rem; font-size: .85em; } .conv-head { padding: .4rem .6rem; gap: .35rem; } aside { border-right: 0; border-bottom: 1px solid var(--_border); overflow-y: auto; } aside > * { flex-shrink: 0; } }
`
