//! Unit tests of `top`'s view: keys, filter, CPU rates and the rendered screen.

use super::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn info(group: &str, name: &str, state: i32, statename: &str, pid: i32) -> v1::ProcessInfo {
    v1::ProcessInfo {
        name: name.into(),
        group: group.into(),
        state,
        statename: statename.into(),
        pid,
        start: 1000,
        spawns: 3,
        ..v1::ProcessInfo::default()
    }
}

fn view() -> TopView {
    let mut v = TopView::new("unix:///run/supervisor.sock");
    v.reset(vec![
        info("web", "web_0", 20, "RUNNING", 41),
        info("web", "web_1", 200, "FATAL", 0),
        info("db", "db", 0, "STOPPED", 0),
    ]);
    v
}

fn press(v: &mut TopView, code: KeyCode) -> Option<Command> {
    v.key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn screen(v: &TopView) -> String {
    let mut term = Terminal::new(TestBackend::new(100, 12)).unwrap();
    term.draw(|f| v.render(f, 1000 + 3725)).unwrap();
    let buf = term.backend().buffer().clone();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn keys_act_on_the_selected_process() {
    let mut v = view();
    // Sorted by group: db first.
    assert_eq!(
        press(&mut v, KeyCode::Char('s')),
        Some(Command::Start("db".into()))
    );
    press(&mut v, KeyCode::Down);
    assert_eq!(
        press(&mut v, KeyCode::Char('x')),
        Some(Command::Stop("web:web_0".into()))
    );
    assert_eq!(
        press(&mut v, KeyCode::Char('r')),
        Some(Command::Restart("web:web_0".into()))
    );
    assert_eq!(press(&mut v, KeyCode::Char('k')), None);
    for c in "HUP".chars() {
        press(&mut v, KeyCode::Char(c));
    }
    assert_eq!(
        press(&mut v, KeyCode::Enter),
        Some(Command::Signal("web:web_0".into(), "HUP".into()))
    );
    assert_eq!(
        press(&mut v, KeyCode::Char('t')),
        Some(Command::Tail("web:web_0".into()))
    );
    v.tail_output(b"hello\n");
    assert!(screen(&v).contains("hello"));
    assert_eq!(press(&mut v, KeyCode::Esc), Some(Command::StopTail));
    assert_eq!(press(&mut v, KeyCode::Char('q')), Some(Command::Quit));
    assert_eq!(
        v.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Command::Quit)
    );
}

#[test]
fn the_filter_narrows_the_table() {
    let mut v = view();
    press(&mut v, KeyCode::Char('/'));
    for c in "_1".chars() {
        press(&mut v, KeyCode::Char(c));
    }
    press(&mut v, KeyCode::Enter);
    let s = screen(&v);
    assert!(s.contains("web:web_1") && !s.contains("web:web_0"), "{s}");
    assert!(s.contains("filter: _1"));
    assert_eq!(
        press(&mut v, KeyCode::Char('s')),
        Some(Command::Start("web:web_1".into()))
    );
    press(&mut v, KeyCode::Esc);
    assert!(screen(&v).contains("web:web_0"));
}

#[test]
fn the_table_shows_state_uptime_restarts_and_usage() {
    let mut v = view();
    let usage = |cpu: f64, at_ms: i64| v1::UsageSample {
        at_ms,
        processes: vec![v1::ProcessUsage {
            name: "web_0".into(),
            group: "web".into(),
            pid: 41,
            processes: 3,
            cpu_seconds: cpu,
            rss_bytes: 5 * 1024 * 1024,
        }],
    };
    v.sample(usage(10.0, 1_000));
    v.sample(usage(10.5, 2_000));
    let s = screen(&v);
    let row = s.lines().find(|l| l.contains("web:web_0")).unwrap();
    for cell in ["RUNNING", "41", "1:02:05", " 2 ", "50.0", "5.0 MiB", " 3"] {
        assert!(row.contains(cell), "{cell:?} not in {row:?}");
    }
    assert!(s.contains("3 processes, 1 running"));
    // A state change arrives: the row follows.
    v.update(info("web", "web_0", 0, "STOPPED", 0));
    let s = screen(&v);
    let row = s.lines().find(|l| l.contains("web:web_0")).unwrap();
    assert!(row.contains("STOPPED") && !row.contains("5.0 MiB"), "{row}");
}

#[test]
fn sizes_and_durations() {
    assert_eq!(bytes(512), "512 B");
    assert_eq!(bytes(1536), "1.5 KiB");
    assert_eq!(uptime(59), "0:00:59");
    assert_eq!(uptime(86_400 + 61), "1d 0:01:01");
}
