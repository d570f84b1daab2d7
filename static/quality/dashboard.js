// The quality dashboard's charts: the numbers come from the page's json_script block (the same numbers as
// the tables beside each chart), the legends from a second block in the user's language.
(function () {
  "use strict";
  var dataNode = document.getElementById("quality-dashboard-data");
  var stringsNode = document.getElementById("quality-dashboard-strings");
  if (!dataNode || !stringsNode || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var t = JSON.parse(stringsNode.textContent);
  var COLORS = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384"];

  function pluck(rows, key) {
    return (rows || []).map(function (row) { return row[key]; });
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return null;
    }
    config.options = Object.assign({responsive: true, maintainAspectRatio: true, aspectRatio: 2,
                                    animation: false}, config.options || {});
    return new window.Chart(canvas, config);
  }

  var percent = {min: 0, max: 100, beginAtZero: true};

  draw("chart-weeks", {
    type: "line",
    data: {labels: pluck(data.weeks, "week"), datasets: [
      {label: t.average_score, data: pluck(data.weeks, "average_score"), borderColor: COLORS[0],
       backgroundColor: COLORS[0], tension: 0.2},
      {label: t.pass_rate, data: pluck(data.weeks, "pass_rate"), borderColor: COLORS[1],
       backgroundColor: COLORS[1], borderDash: [4, 4], tension: 0.2}
    ]},
    options: {scales: {y: percent}}
  });

  draw("chart-agents", {
    type: "bar",
    data: {labels: pluck(data.agents, "agent"), datasets: [
      {label: t.average_score, data: pluck(data.agents, "average_score"), backgroundColor: COLORS[0]}
    ]},
    options: {scales: {y: percent}}
  });

  draw("chart-worst", {
    type: "bar",
    data: {labels: pluck(data.worst, "criterion"), datasets: [
      {label: t.average_pct, data: pluck(data.worst, "average_pct"), backgroundColor: COLORS[3]},
      {label: t.failure_share, data: pluck(data.worst, "failure_share"), backgroundColor: COLORS[2]}
    ]},
    options: {indexAxis: "y", scales: {x: percent}}
  });

  var compared = (data.criteria || []).filter(function (row) { return row.ai_compared > 0; });
  draw("chart-agreement", {
    type: "bar",
    data: {labels: pluck(compared, "criterion"), datasets: [
      {label: t.ai_agreement, data: pluck(compared, "ai_agreement"), backgroundColor: COLORS[4]}
    ]},
    options: {indexAxis: "y", scales: {x: percent}}
  });

  var speech = data.speech || {};
  var weeks = speech.sentiment_weeks || [];
  draw("chart-sentiment", {
    type: "bar",
    data: {labels: pluck(weeks, "week"), datasets: [
      {label: t.positive, data: pluck(weeks, "positive"), backgroundColor: COLORS[1]},
      {label: t.neutral, data: pluck(weeks, "neutral"), backgroundColor: COLORS[6]},
      {label: t.negative, data: pluck(weeks, "negative"), backgroundColor: COLORS[2]}
    ]},
    options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}}
  });

  var talk = speech.talk_agents || [];
  draw("chart-talk", {
    type: "bar",
    data: {labels: pluck(talk, "agent"), datasets: [
      {label: t.talk, data: pluck(talk, "talk_share"), backgroundColor: COLORS[0], stack: "call"},
      {label: t.silence, data: pluck(talk, "silence_share"), backgroundColor: COLORS[6], stack: "call"},
      {label: t.agent_talk, data: pluck(talk, "agent_talk_share"), backgroundColor: COLORS[5], stack: "agent"}
    ]},
    options: {scales: {x: {stacked: true}, y: Object.assign({stacked: true}, percent)}}
  });

  draw("chart-keywords", {
    type: "line",
    data: {labels: speech.keyword_weeks || [], datasets: (speech.keywords || []).map(function (row, i) {
      var color = COLORS[i % COLORS.length];
      return {label: row.phrase, data: row.counts, borderColor: color, backgroundColor: color, tension: 0.2};
    })},
    options: {aspectRatio: 4, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
  });
})();
