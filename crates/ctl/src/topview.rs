//! What `supervisorctl top` shows and how keys change it, without a terminal or a
//! server: the process table fed by state updates and usage samples, the selection,
//! the filter, the prompts, the tail pane, and rendering with ratatui. Keys become
//! [`Command`]s that `commands/top.rs` carries out against supervisord.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};
use supervisor_proto::v1;

/// What a key asks for, beyond changing the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Start(String),
    Stop(String),
    Restart(String),
    Signal(String, String),
    /// Follow the stdout log of this process.
    Tail(String),
    StopTail,
    Quit,
}

/// What the keyboard is typing into.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Filter(String),
    Signal(String),
}

/// One process's CPU reading, for the rate between two samples.
#[derive(Debug, Clone, Copy)]
struct CpuReading {
    pid: i32,
    cpu_seconds: f64,
    at_ms: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Usage {
    /// Percent of one CPU, `None` until two samples exist.
    cpu_percent: Option<f64>,
    rss_bytes: u64,
    processes: u32,
}

#[derive(Debug, Default)]
pub(crate) struct TopView {
    /// Keyed by (group, name): sorted as supervisorctl status sorts.
    processes: BTreeMap<(String, String), v1::ProcessInfo>,
    usage: HashMap<(String, String), Usage>,
    readings: HashMap<(String, String), CpuReading>,
    selected: usize,
    filter: String,
    mode: Option<Mode>,
    /// The last action's result, shown above the key help.
    pub(crate) message: String,
    /// The process whose log is followed, and its last bytes.
    tail: Option<(String, Vec<u8>)>,
    server: String,
}

const TAIL_KEEP: usize = 64 * 1024;

fn key(p: &v1::ProcessInfo) -> (String, String) {
    (p.group.clone(), p.name.clone())
}

fn namespec(p: &v1::ProcessInfo) -> String {
    if p.group == p.name {
        p.name.clone()
    } else {
        format!("{}:{}", p.group, p.name)
    }
}

impl TopView {
    pub(crate) fn new(server: &str) -> TopView {
        TopView {
            server: server.to_string(),
            ..TopView::default()
        }
    }

    /// Replaces the whole table (after a group was added or removed).
    pub(crate) fn reset(&mut self, processes: Vec<v1::ProcessInfo>) {
        self.processes = processes.into_iter().map(|p| (key(&p), p)).collect();
        self.usage.retain(|k, _| self.processes.contains_key(k));
        self.clamp();
    }

    /// A state change (or a process seen for the first time).
    pub(crate) fn update(&mut self, info: v1::ProcessInfo) {
        self.processes.insert(key(&info), info);
        self.clamp();
    }

    /// A usage sample: CPU rates against the previous sample of the same pid.
    pub(crate) fn sample(&mut self, sample: v1::UsageSample) {
        self.usage.clear();
        for u in sample.processes {
            let k = (u.group, u.name);
            let now = CpuReading {
                pid: u.pid,
                cpu_seconds: u.cpu_seconds,
                at_ms: sample.at_ms,
            };
            let cpu_percent = self
                .readings
                .get(&k)
                .filter(|before| before.pid == u.pid && now.at_ms > before.at_ms)
                .map(|before| {
                    let used = (now.cpu_seconds - before.cpu_seconds).max(0.0);
                    used * 100_000.0 / (now.at_ms - before.at_ms) as f64
                });
            self.readings.insert(k.clone(), now);
            self.usage.insert(
                k,
                Usage {
                    cpu_percent,
                    rss_bytes: u.rss_bytes,
                    processes: u.processes,
                },
            );
        }
    }

    /// Output of the followed log.
    pub(crate) fn tail_output(&mut self, data: &[u8]) {
        if let Some((_, text)) = &mut self.tail {
            text.extend_from_slice(data);
            if text.len() > TAIL_KEEP {
                text.drain(..text.len() - TAIL_KEEP);
            }
        }
    }

    fn visible(&self) -> Vec<&v1::ProcessInfo> {
        let filter = self.filter.to_lowercase();
        self.processes
            .values()
            .filter(|p| namespec(p).to_lowercase().contains(&filter))
            .collect()
    }

    fn clamp(&mut self) {
        let n = self.visible().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    fn selection(&self) -> Option<String> {
        self.visible().get(self.selected).map(|p| namespec(p))
    }

    /// Applies a key; returns what supervisord must be asked, if anything.
    pub(crate) fn key(&mut self, k: KeyEvent) -> Option<Command> {
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            return Some(Command::Quit);
        }
        match self.mode.take() {
            Some(Mode::Filter(text)) => return self.edit(k, text, true),
            Some(Mode::Signal(text)) => return self.edit(k, text, false),
            _ => {}
        }
        if self.tail.is_some() {
            return match k.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('t') => {
                    self.tail = None;
                    Some(Command::StopTail)
                }
                _ => None,
            };
        }
        let n = self.visible().len();
        match k.code {
            KeyCode::Char('q') => return Some(Command::Quit),
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(n.saturating_sub(1)),
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = n.saturating_sub(1),
            KeyCode::Char('/') => self.mode = Some(Mode::Filter(self.filter.clone())),
            KeyCode::Esc => {
                self.filter.clear();
                self.clamp();
            }
            KeyCode::Char('s') => return self.selection().map(Command::Start),
            KeyCode::Char('x') => return self.selection().map(Command::Stop),
            KeyCode::Char('r') => return self.selection().map(Command::Restart),
            KeyCode::Char('k') if self.selection().is_some() => {
                self.mode = Some(Mode::Signal(String::new()));
            }
            KeyCode::Char('t') | KeyCode::Enter => {
                let name = self.selection()?;
                self.tail = Some((name.clone(), Vec::new()));
                return Some(Command::Tail(name));
            }
            _ => {}
        }
        None
    }

    /// A key while typing a filter (live) or a signal name.
    fn edit(&mut self, k: KeyEvent, mut text: String, filter: bool) -> Option<Command> {
        match k.code {
            KeyCode::Esc => {
                if filter {
                    self.filter.clear();
                    self.clamp();
                }
                return None;
            }
            KeyCode::Enter => {
                if filter {
                    return None;
                }
                let name = self.selection()?;
                let sig = if text.is_empty() { "TERM".into() } else { text };
                return Some(Command::Signal(name, sig));
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            _ => {}
        }
        if filter {
            self.filter = text.clone();
            self.selected = 0;
            self.mode = Some(Mode::Filter(text));
        } else {
            self.mode = Some(Mode::Signal(text));
        }
        None
    }

    /// Draws the whole screen; `now` is the Unix time for uptimes.
    pub(crate) fn render(&self, frame: &mut Frame<'_>, now: i64) {
        let [head, body, status, help] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        let running = self.processes.values().filter(|p| p.state == 20).count();
        let mut title = format!(
            " supervisor-rs top · {} · {} processes, {running} running",
            self.server,
            self.processes.len()
        );
        if !self.filter.is_empty() {
            title.push_str(&format!(" · filter: {}", self.filter));
        }
        frame.render_widget(
            Paragraph::new(title).style(Style::new().add_modifier(Modifier::BOLD)),
            head,
        );
        match &self.tail {
            Some((name, text)) => self.render_tail(frame, body, name, text),
            None => self.render_table(frame, body, now),
        }
        let status_line = match &self.mode {
            Some(Mode::Filter(t)) => format!(" filter: {t}▏ (Enter keeps it, Esc clears)"),
            Some(Mode::Signal(t)) => format!(
                " signal for {}: {t}▏ (a name like HUP or USR1; Enter sends, default TERM)",
                self.selection().unwrap_or_default()
            ),
            _ => format!(" {}", self.message),
        };
        frame.render_widget(Paragraph::new(status_line), status);
        let keys = if self.tail.is_some() {
            " Esc/q/t back to the table"
        } else {
            " ↑↓ select  s start  x stop  r restart  k signal  t tail  / filter  q quit"
        };
        frame.render_widget(
            Paragraph::new(keys).style(Style::new().add_modifier(Modifier::REVERSED)),
            help,
        );
    }

    fn render_table(&self, frame: &mut Frame<'_>, area: ratatui::layout::Rect, now: i64) {
        let header = Row::new([
            "NAME", "STATE", "PID", "UPTIME", "RESTARTS", "CPU%", "MEM", "PROCS",
        ])
        .style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
        let rows = self.visible().into_iter().map(|p| {
            let running = p.pid > 0;
            let usage = self.usage.get(&key(p)).filter(|_| running);
            Row::new([
                Span::raw(namespec(p)),
                Span::styled(p.statename.clone(), state_style(p.state)),
                Span::raw(if running {
                    p.pid.to_string()
                } else {
                    "-".into()
                }),
                Span::raw(if p.state == 20 {
                    uptime((now - p.start).max(0))
                } else {
                    "-".into()
                }),
                Span::raw(p.spawns.saturating_sub(1).to_string()),
                Span::raw(
                    usage
                        .and_then(|u| u.cpu_percent)
                        .map_or("-".into(), |c| format!("{c:.1}")),
                ),
                Span::raw(usage.map_or("-".into(), |u| bytes(u.rss_bytes))),
                Span::raw(usage.map_or("-".into(), |u| u.processes.to_string())),
            ])
        });
        let widths = [
            Constraint::Min(20),
            Constraint::Length(9),
            Constraint::Length(8),
            Constraint::Length(12),
            Constraint::Length(9),
            Constraint::Length(7),
            Constraint::Length(10),
            Constraint::Length(6),
        ];
        let table = Table::new(rows, widths)
            .header(header)
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
            .block(Block::new().borders(Borders::TOP));
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, area, &mut state);
    }

    fn render_tail(
        &self,
        frame: &mut Frame<'_>,
        area: ratatui::layout::Rect,
        name: &str,
        text: &[u8],
    ) {
        let text = String::from_utf8_lossy(text);
        let height = usize::from(area.height.saturating_sub(1));
        let lines: Vec<Line> = text
            .lines()
            .rev()
            .take(height)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(|l| Line::raw(l.to_string()))
            .collect();
        let block = Block::new()
            .borders(Borders::TOP)
            .title(format!(" tail -f {name} (stdout) "));
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}

fn state_style(state: i32) -> Style {
    let color = match state {
        20 => Color::Green,
        10 | 30 | 40 => Color::Yellow,
        200 => Color::Red,
        1000 => Color::Magenta,
        _ => return Style::new(),
    };
    Style::new().fg(color)
}

/// `1:02:03`, or `3d 4:05:06` past a day.
fn uptime(secs: i64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let hms = format!("{}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
    if days > 0 {
        format!("{days}d {hms}")
    } else {
        hms
    }
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
#[path = "topview_tests.rs"]
mod tests;
