// The calibration page (served by the edge, local-ui/local-ui-server.ts): draws a camera's entrance line and areas on
// its latest frame, lets them be dragged (or nudged with the arrow keys) and saves them to config.yaml; the live view
// overlays the tracks and the running counts. Plain DOM; coordinates are screenshot pixels (config screenshot_size).
const SVG = 'http://www.w3.org/2000/svg';
const KIND_LABEL = { zones: 'zone', shelves: 'shelf', queues: 'queue' };
/** The live view asks for a picture, then for the tracks of about that frame, then waits this long. */
const LIVE_PAUSE_MS = 300;

const $ = (id) => document.getElementById(id);
const state = { cameras: [], version: '', camera: null, geometry: null, saved: null, selected: null, liveRound: 0 };

function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (parent) parent.appendChild(el);
  return el;
}

async function api(path, init) {
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...(init?.headers ?? {}) } });
  const body = res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : null;
  return { status: res.status, body };
}

function copyGeometry(c) {
  const g = { entrance_line: c.entrance_line ? c.entrance_line.map((p) => [...p]) : null, entrance_inside: c.entrance_inside };
  for (const key of c.polygon_keys) g[key] = Object.fromEntries(Object.entries(c[key] ?? {}).map(([n, poly]) => [n, poly.map((p) => [...p])]));
  return g;
}

async function load() {
  const { status, body } = await api('/api/cameras');
  if (status !== 200) throw new Error(`cannot load the cameras (${status})`);
  state.cameras = body.cameras;
  state.version = body.config_version;
  const picker = $('camera');
  picker.replaceChildren(
    ...state.cameras.map((c) => {
      const o = document.createElement('option');
      o.value = c.camera_id;
      o.textContent = c.name ? `${c.name} (${c.camera_id})` : c.camera_id;
      return o;
    }),
  );
  const wanted = new URLSearchParams(location.search).get('camera');
  if (wanted && state.cameras.some((c) => c.camera_id === wanted)) picker.value = wanted;
  selectCamera(picker.value);
}

function selectCamera(id) {
  const camera = state.cameras.find((c) => c.camera_id === id);
  state.camera = camera;
  state.geometry = copyGeometry(camera);
  state.saved = copyGeometry(camera);
  state.selected = null;
  const [w, h] = camera.screenshot_size;
  $('overlay').setAttribute('viewBox', `0 0 ${w} ${h}`);
  $('overlay').setAttribute('preserveAspectRatio', 'none');
  $('frame').alt = `Latest picture from camera ${camera.name ?? camera.camera_id}`;
  $('add-kind').replaceChildren(
    ...camera.polygon_keys.map((k) => {
      const o = document.createElement('option');
      o.value = k;
      o.textContent = KIND_LABEL[k] ?? k;
      return o;
    }),
  );
  $('add-form').hidden = camera.polygon_keys.length === 0;
  $('entrance-section').hidden = !state.geometry.entrance_line;
  void refreshPicture();
  render();
}

/** Loads the camera's latest picture; resolves when it is shown (or failed). */
function refreshPicture() {
  if (!state.camera) return Promise.resolve();
  const img = $('frame');
  return new Promise((resolve) => {
    img.addEventListener('load', resolve, { once: true });
    img.addEventListener('error', resolve, { once: true });
    img.src = `/api/cameras/${encodeURIComponent(state.camera.camera_id)}/frame.png?t=${Date.now()}`;
  });
}

// ---- drawing ---------------------------------------------------------------------------------------------------------

function unit() {
  const [w, h] = state.camera.screenshot_size;
  return Math.max(w, h) / 100;
}

/** Every shape and its draggable points; `points` are the model's own arrays, moved in place. */
function shapes() {
  const g = state.geometry;
  const out = [];
  if (g.entrance_line) out.push({ kind: 'entrance', name: 'entrance', label: 'entrance line', points: g.entrance_line });
  for (const key of state.camera.polygon_keys) {
    for (const [name, points] of Object.entries(g[key])) out.push({ kind: key, name, label: `${KIND_LABEL[key] ?? key} ${name}`, points });
  }
  return out;
}

function render() {
  const svg = $('overlay');
  const keepLive = svg.querySelector('#live-layer');
  svg.replaceChildren();
  const u = unit();
  for (const shape of shapes()) {
    const group = svgEl('g', { 'data-shape': `${shape.kind}:${shape.name}` }, svg);
    if (shape.kind === 'entrance') drawEntrance(group, shape.points, u);
    else svgEl('polygon', { class: `area ${shape.kind}`, points: shape.points.map((p) => p.join(',')).join(' ') }, group);
    const [cx, cy] = centroid(shape.points);
    const text = svgEl('text', { class: 'label', x: cx, y: cy, 'font-size': u * 1.6, 'text-anchor': 'middle' }, group);
    text.textContent = shape.kind === 'entrance' ? '' : shape.name;
    shape.points.forEach((p, index) => drawPoint(group, shape, index, u));
  }
  if (keepLive) svg.appendChild(keepLive);
  renderPanel();
}

function drawEntrance(group, [a, b], u) {
  svgEl('line', { class: 'line', x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, group);
  // The arrow points into the shop: right of a→b on screen (y grows down) is (−dy, dx).
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = Math.hypot(dx, dy) || 1;
  const sign = state.geometry.entrance_inside === 'left' ? -1 : 1;
  const n = [(-dy / len) * sign, (dx / len) * sign];
  const m = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const tip = [m[0] + n[0] * u * 8, m[1] + n[1] * u * 8];
  const back = [-n[0] * u * 2.5, -n[1] * u * 2.5];
  const side = [n[1] * u * 1.8, -n[0] * u * 1.8];
  svgEl('path', { class: 'arrow', 'data-arrow': 'in', d: `M${m.join(',')} L${tip.join(',')} M${tip[0] + back[0] + side[0]},${tip[1] + back[1] + side[1]} L${tip.join(',')} L${tip[0] + back[0] - side[0]},${tip[1] + back[1] - side[1]}` }, group);
  const label = svgEl('text', { class: 'label', x: tip[0] + n[0] * u * 2, y: tip[1] + n[1] * u * 2 + u * 0.6, 'font-size': u * 1.8, 'text-anchor': 'middle' }, group);
  label.textContent = 'in';
}

function drawPoint(group, shape, index, u) {
  const p = shape.points[index];
  const selected = state.selected && state.selected.kind === shape.kind && state.selected.name === shape.name && state.selected.index === index;
  const circle = svgEl(
    'circle',
    {
      class: `point${selected ? ' selected' : ''}`,
      cx: p[0],
      cy: p[1],
      r: u * 0.9,
      tabindex: 0,
      role: 'button',
      'aria-label': `${shape.label}, point ${index + 1} at ${p[0]}, ${p[1]}`,
      'data-point': `${shape.kind}:${shape.name}:${index}`,
    },
    group,
  );
  circle.addEventListener('pointerdown', (ev) => startDrag(ev, shape, index, circle));
  circle.addEventListener('focus', () => select(shape, index, false));
  circle.addEventListener('keydown', (ev) => nudge(ev, shape, index));
}

function centroid(points) {
  const n = points.length;
  return [points.reduce((s, p) => s + p[0], 0) / n, points.reduce((s, p) => s + p[1], 0) / n];
}

// ---- editing ---------------------------------------------------------------------------------------------------------

function select(shape, index, redraw = true) {
  state.selected = { kind: shape.kind, name: shape.name, index };
  if (redraw) render();
  else renderPanel();
}

function clampPoint(x, y) {
  const [w, h] = state.camera.screenshot_size;
  return [Math.round(Math.min(w, Math.max(0, x))), Math.round(Math.min(h, Math.max(0, y)))];
}

function startDrag(ev, shape, index, circle) {
  ev.preventDefault();
  const svg = $('overlay');
  circle.setPointerCapture(ev.pointerId);
  const toSvg = (e) => {
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse());
    return clampPoint(pt.x, pt.y);
  };
  const move = (e) => {
    const [x, y] = toSvg(e);
    shape.points[index][0] = x;
    shape.points[index][1] = y;
    // Only the moved point and its shape change while dragging: redrawing would drop the pointer capture.
    circle.setAttribute('cx', x);
    circle.setAttribute('cy', y);
    const poly = circle.parentNode.querySelector('polygon');
    if (poly) poly.setAttribute('points', shape.points.map((p) => p.join(',')).join(' '));
    const line = circle.parentNode.querySelector('line');
    if (line) {
      const [a, b] = shape.points;
      line.setAttribute('x1', a[0]);
      line.setAttribute('y1', a[1]);
      line.setAttribute('x2', b[0]);
      line.setAttribute('y2', b[1]);
    }
  };
  const end = (e) => {
    circle.removeEventListener('pointermove', move);
    circle.removeEventListener('pointerup', end);
    circle.removeEventListener('pointercancel', end);
    move(e);
    select(shape, index);
    focusPoint(shape, index);
  };
  circle.addEventListener('pointermove', move);
  circle.addEventListener('pointerup', end);
  circle.addEventListener('pointercancel', end);
}

function focusPoint(shape, index) {
  $('overlay').querySelector(`[data-point="${CSS.escape(`${shape.kind}:${shape.name}:${index}`)}"]`)?.focus();
}

function nudge(ev, shape, index) {
  const step = ev.shiftKey ? 10 : 1;
  const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[ev.key];
  if (!delta) return;
  ev.preventDefault();
  const p = shape.points[index];
  [p[0], p[1]] = clampPoint(p[0] + delta[0], p[1] + delta[1]);
  select(shape, index);
  focusPoint(shape, index);
}

function addPolygon(kind, name) {
  if (state.geometry[kind][name]) return showProblems([`${KIND_LABEL[kind]} "${name}" exists already`]);
  const [w, h] = state.camera.screenshot_size;
  const [cx, cy, rx, ry] = [w / 2, h / 2, w / 10, h / 10];
  state.geometry[kind][name] = [
    [cx - rx, cy - ry],
    [cx + rx, cy - ry],
    [cx + rx, cy + ry],
    [cx - rx, cy + ry],
  ].map(([x, y]) => clampPoint(x, y));
  render();
  focusPoint({ kind, name }, 0);
}

function deletePolygon(kind, name) {
  delete state.geometry[kind][name];
  if (state.selected?.kind === kind && state.selected?.name === name) state.selected = null;
  render();
}

// ---- side panel ------------------------------------------------------------------------------------------------------

function renderPanel() {
  const g = state.geometry;
  if (g.entrance_line) {
    const [a, b] = g.entrance_line;
    $('entrance-text').textContent = `From (${a.join(', ')}) to (${b.join(', ')}); walking from the first point to the second, the shop is on the ${g.entrance_inside ?? 'right'}.`;
  }
  const list = $('polygons');
  list.replaceChildren();
  for (const key of state.camera.polygon_keys) {
    for (const name of Object.keys(g[key])) {
      const li = document.createElement('li');
      const label = document.createElement('span');
      label.textContent = `${KIND_LABEL[key] ?? key} ${name} (${g[key][name].length} points)`;
      const del = document.createElement('button');
      del.type = 'button';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', `Delete ${KIND_LABEL[key] ?? key} ${name}`);
      del.addEventListener('click', () => deletePolygon(key, name));
      li.append(label, del);
      list.appendChild(li);
    }
  }
  const s = state.selected;
  const shape = s && shapes().find((x) => x.kind === s.kind && x.name === s.name);
  $('selected').textContent = shape ? `${shape.label}, point ${s.index + 1}: (${shape.points[s.index].join(', ')})` : 'None. Click or Tab to a point.';
  const dirty = JSON.stringify(state.geometry) !== JSON.stringify(state.saved);
  $('save').disabled = !dirty;
  if (dirty) $('status').textContent = 'Unsaved changes.';
}

function showProblems(lines) {
  const box = $('problems');
  box.replaceChildren();
  if (!lines.length) return;
  const ul = document.createElement('ul');
  for (const line of lines) {
    const li = document.createElement('li');
    li.textContent = line;
    ul.appendChild(li);
  }
  box.append(ul);
}

async function save() {
  const g = state.geometry;
  const body = { config_version: state.version };
  if (g.entrance_line) Object.assign(body, { entrance_line: g.entrance_line, entrance_inside: g.entrance_inside });
  for (const key of state.camera.polygon_keys) body[key] = g[key];
  $('status').textContent = 'Saving…';
  const { status, body: answer } = await api(`/api/cameras/${encodeURIComponent(state.camera.camera_id)}/geometry`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (status !== 200) {
    $('status').textContent = `Not saved: ${answer?.error ?? `HTTP ${status}`}`;
    showProblems(answer?.problems ?? []);
    return;
  }
  showProblems([]);
  state.version = answer.config_version;
  const index = state.cameras.findIndex((c) => c.camera_id === answer.camera.camera_id);
  state.cameras[index] = answer.camera;
  state.saved = copyGeometry(answer.camera);
  renderPanel();
  $('status').textContent = `Saved. The previous file was kept as ${answer.backup}; the camera counts with the new geometry from its next frame.`;
}

// ---- live view -------------------------------------------------------------------------------------------------------

async function pollLive() {
  if (!state.camera) return;
  const id = state.camera.camera_id;
  const { status, body } = await api(`/api/cameras/${encodeURIComponent(id)}/live`).catch(() => ({ status: 0, body: null }));
  if (status !== 200 || !$('live').checked || state.camera?.camera_id !== id) return;
  const svg = $('overlay');
  svg.querySelector('#live-layer')?.remove();
  const layer = svgEl('g', { id: 'live-layer', 'aria-hidden': 'true' }, svg);
  const u = unit();
  for (const t of body.tracks) {
    const [x1, y1, x2, y2] = t.box;
    svgEl('rect', { class: 'track', x: x1, y: y1, width: x2 - x1, height: y2 - y1, 'data-track': t.id }, layer);
    svgEl('text', { class: 'track-id', x: x1, y: y1 - u * 0.4, 'font-size': u * 1.5 }, layer).textContent = `#${t.id}`;
  }
  const rows = Object.entries(body.counts).sort(([a], [b]) => a.localeCompare(b));
  $('counts')
    .querySelector('tbody')
    .replaceChildren(
      ...(rows.length ? rows : [['nothing counted yet', '']]).map(([what, n]) => {
        const tr = document.createElement('tr');
        for (const v of [what, n]) tr.appendChild(document.createElement('td')).textContent = String(v);
        return tr;
      }),
    );
  const running = body.running_geometry;
  const same = running && JSON.stringify(running.entrance_line ?? null) === JSON.stringify(state.saved.entrance_line ?? null) && state.camera.polygon_keys.every((k) => JSON.stringify(running[k] ?? {}) === JSON.stringify(state.saved[k]));
  $('running').textContent = `${body.tracks.length} people tracked now. ${same ? 'The camera counts with the saved geometry.' : 'The camera has not taken up the saved geometry yet.'}`;
  $('running').dataset.runningLine = JSON.stringify(running?.entrance_line ?? null);
}

function setLive(on) {
  const round = ++state.liveRound;
  $('counts-section').hidden = !on;
  if (!on) {
    $('overlay').querySelector('#live-layer')?.remove();
    return;
  }
  // Picture first, then the tracks of about that frame, so the boxes sit on the people drawn.
  const loop = async () => {
    if (round !== state.liveRound) return;
    await refreshPicture();
    await pollLive();
    setTimeout(() => void loop(), LIVE_PAUSE_MS);
  };
  void loop();
}

// ---- wiring ----------------------------------------------------------------------------------------------------------

$('camera').addEventListener('change', (e) => selectCamera(e.target.value));
$('refresh').addEventListener('click', () => void refreshPicture());
$('live').addEventListener('change', (e) => setLive(e.target.checked));
$('flip').addEventListener('click', () => {
  state.geometry.entrance_inside = state.geometry.entrance_inside === 'left' ? 'right' : 'left';
  render();
});
$('save').addEventListener('click', () => void save());
$('add-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('add-name').value.trim();
  if (name) addPolygon($('add-kind').value, name);
  $('add-name').value = '';
});
$('frame').addEventListener('error', () => {
  $('status').textContent = 'No picture from this camera yet (is it streaming?). Try "Refresh picture" in a moment.';
});
load().catch((err) => {
  $('status').textContent = String(err.message ?? err);
});
