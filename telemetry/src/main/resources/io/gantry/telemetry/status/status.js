// Gantry status page: polls /api/status every 2 s and rebuilds the tables.
// All data goes through textContent / createTextNode: never innerHTML (names and messages are user input).
"use strict";

const POLL_MS = 2000;

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function cell(row, text, className) {
  const td = el("td", text, className);
  row.appendChild(td);
  return td;
}

function stateCell(row, state) {
  // Only known-safe characters end up in the class name.
  const safe = String(state || "unknown").toLowerCase().replace(/[^a-z]/g, "");
  return cell(row, state || "", "state state-" + safe);
}

function bytes(n) {
  if (n === undefined || n === null || n < 0) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(1)) + " " + units[i];
}

function cpu(millis) {
  if (millis === undefined || millis === null || millis < 0) return "?";
  return (millis / 1000).toFixed(2);
}

function time(ms) {
  if (!ms) return "";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function replaceRows(tableId, rows, columns, emptyText) {
  const body = document.querySelector("#" + tableId + " tbody");
  const fresh = document.createElement("tbody");
  if (rows.length === 0) {
    const tr = el("tr");
    const td = cell(tr, emptyText, "empty");
    td.colSpan = columns;
    fresh.appendChild(tr);
  }
  for (const r of rows) fresh.appendChild(r);
  body.replaceWith(fresh);
}

function nodeRow(n) {
  const tr = el("tr");
  tr.dataset.node = n.name;
  cell(tr, n.name);
  stateCell(tr, n.state);
  cell(tr, n.address);
  cell(tr, cpu(n.usedCpuMillis) + " / " + cpu(n.allocatedCpuMillis) + " / " + cpu(n.cpuMillis));
  cell(tr, bytes(n.usedMemoryBytes) + " / " + bytes(n.allocatedMemoryBytes) + " / " + bytes(n.memoryBytes));
  cell(tr, n.workloads);
  const labels = cell(tr, "");
  for (const [k, v] of Object.entries(n.labels || {}).sort()) {
    labels.appendChild(el("span", k + "=" + v, "label"));
  }
  return tr;
}

function workloadRow(w) {
  const tr = el("tr");
  tr.dataset.workload = w.id;
  cell(tr, w.name);
  cell(tr, w.id);
  cell(tr, w.service);
  cell(tr, w.node);
  stateCell(tr, w.state);
  cell(tr, w.health, w.health ? "state state-" + String(w.health).toLowerCase().replace(/[^a-z]/g, "") : "");
  cell(tr, w.image);
  cell(tr, time(w.startedAtMs));
  cell(tr, w.restartCount);
  const reason = cell(tr, w.reason);
  if (w.placementReasons && w.placementReasons.length > 0) {
    const ul = el("ul", null, "reasons");
    for (const r of w.placementReasons) ul.appendChild(el("li", r));
    reason.appendChild(ul);
  }
  return tr;
}

function eventRow(e) {
  const tr = el("tr");
  cell(tr, time(e.timeMs));
  cell(tr, e.type);
  cell(tr, e.action);
  cell(tr, e.subject);
  cell(tr, e.message);
  return tr;
}

function render(s) {
  document.getElementById("cluster").textContent = s.cluster || "";
  document.getElementById("meta").textContent =
    "Leader: " + (s.leader || "?") + " · updated " + time(s.generatedAtMs);
  document.getElementById("node-count").textContent = "(" + s.nodes.length + ")";
  document.getElementById("workload-count").textContent = "(" + s.workloads.length + ")";
  replaceRows("nodes", s.nodes.map(nodeRow), 7, "no nodes");
  replaceRows("workloads", s.workloads.map(workloadRow), 10, "no workloads");
  // Newest first on the page.
  replaceRows("events", s.events.slice().reverse().map(eventRow), 5, "no events");
}

async function poll() {
  const error = document.getElementById("error");
  try {
    const response = await fetch("/api/status", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    error.hidden = true;
  } catch (e) {
    error.textContent = "Cannot load status: " + e.message;
    error.hidden = false;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
