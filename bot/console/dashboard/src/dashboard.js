// Charts of the 发票助手 operator dashboard (bot/console/charts.py embeds the figures as JSON).
// Apache ECharts, only the parts used, bundled by esbuild into dist/dashboard.js.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

const BLUE = '#1f5fbf';
const COLORS = [BLUE, '#1e8a4c', '#c26a00', '#c0392b', '#7b4fb3', '#2a9bb0', '#8a8f98'];
const STEP_ORDER = (label) => (label === '步骤前' ? 0 : label === '报错专项处理' ? 99 : parseInt(label.replace(/\D/g, ''), 10) || 50);

function shortDay(day) { return day.slice(5); }

function options(kind, data) {
  const base = { color: COLORS, tooltip: { trigger: 'axis' }, grid: { left: 40, right: 16, top: 36, bottom: 30, containLabel: true },
    legend: { top: 0 }, animation: false };
  const days = data.days.map(shortDay);
  if (kind === 'conversations') {
    return { ...base, xAxis: { type: 'category', data: days }, yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: '会话', type: 'bar', data: data.per_day.conversations },
        { name: '转人工', type: 'line', data: data.per_day.handed_over },
        { name: '助手解决', type: 'line', data: data.per_day.resolved },
      ] };
  }
  if (kind === 'rates') {
    return { ...base, xAxis: { type: 'category', data: days }, yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: '独立解决率', type: 'line', data: data.self_service_share },
        { name: '未识别率', type: 'line', data: data.fallback_rate },
      ] };
  }
  if (kind === 'resolution') {
    const names = data.resolution.map((r) => r.name);
    const series = [['助手解决', 'resolved'], ['转人工', 'handed_over'], ['未结束/离开', 'left']].map(([name, key]) => (
      { name, type: 'bar', stack: 'all', data: data.resolution.map((r) => r[key]) }));
    return { ...base, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: names }, series };
  }
  if (kind === 'steps') {
    const problems = Object.keys(data.steps);
    const labels = [...new Set(problems.flatMap((p) => data.steps[p].map(([label]) => label)))].sort((a, b) => STEP_ORDER(a) - STEP_ORDER(b));
    const name = (key) => (data.resolution.find((r) => r.problem === key) || { name: key }).name;
    const series = labels.map((label) => ({ name: label, type: 'bar', stack: 'steps',
      data: problems.map((p) => (data.steps[p].find(([l]) => l === label) || [label, 0])[1]) }));
    return { ...base, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: problems.map(name) }, yAxis: { type: 'value', minInterval: 1 }, series };
  }
  if (kind === 'ratings') {
    return { ...base, xAxis: { type: 'category', data: ['1 分', '2 分', '3 分', '4 分', '5 分'] }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: '评价次数', type: 'bar', data: ['1', '2', '3', '4', '5'].map((k) => data.ratings[k]) }] };
  }
  if (kind === 'channels') {
    return { color: COLORS, animation: false, tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' }, legend: { top: 0 },
      series: [{ name: '渠道', type: 'pie', radius: ['35%', '65%'], top: 24,
        data: data.channels.map((c) => ({ name: c.name, value: c.count })) }] };
  }
  return null;
}

function isEmpty(option) {
  return (option.series || []).every((series) => (series.data || []).every((value) => {
    const number = typeof value === 'object' && value !== null ? value.value : value;
    return !number;
  }));
}

function draw() {
  const source = document.getElementById('dashboard-data');
  if (!source) { return; }
  const data = JSON.parse(source.textContent);
  const missing = document.getElementById('charts-missing');
  if (missing) { missing.hidden = true; }
  const charts = [];
  document.querySelectorAll('[data-chart]').forEach((element) => {
    const option = options(element.getAttribute('data-chart'), data);
    if (!option) { return; }
    if (isEmpty(option)) {
      option.title = { text: '这段时间暂无数据', left: 'center', top: 'middle', textStyle: { color: '#8a8f98', fontSize: 14, fontWeight: 'normal' } };
    }
    const chart = echarts.init(element, null, { renderer: 'canvas' });
    chart.setOption(option);
    element.setAttribute('data-rendered', '1');
    charts.push(chart);
  });
  window.addEventListener('resize', () => charts.forEach((chart) => chart.resize()));
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', draw);
} else {
  draw();
}
