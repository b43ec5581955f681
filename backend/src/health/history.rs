//! The in-memory status timeline per check for the last hour: only changes are kept, plus the one
//! change before the window so the timeline knows how the hour started.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use super::model::{CheckTimeline, Status, StatusPoint};

/// How far back the timeline goes.
pub const WINDOW: Duration = Duration::hours(1);

/// At most this many changes per check are kept, so a flapping check cannot grow memory.
const MAX_POINTS: usize = 2048;

struct Line {
    name: String,
    component: String,
    points: VecDeque<(DateTime<Utc>, Status)>,
}

/// Timelines of every check, in the order checks first reported.
#[derive(Default)]
pub struct History {
    lines: Vec<Line>,
}

impl History {
    /// Records a check's status at `at`; nothing is stored when it did not change.
    pub fn record(&mut self, name: &str, component: &str, status: Status, at: DateTime<Utc>) {
        let index = match self.lines.iter().position(|l| l.name == name) {
            Some(i) => i,
            None => {
                self.lines.push(Line {
                    name: name.to_owned(),
                    component: component.to_owned(),
                    points: VecDeque::new(),
                });
                self.lines.len() - 1
            }
        };
        let line = &mut self.lines[index];
        if line.points.back().is_some_and(|(_, s)| *s == status) {
            return;
        }
        line.points.push_back((at, status));
        // Drop changes older than the window, keeping the newest of them (the hour's start state).
        let cutoff = at - WINDOW;
        while line.points.len() > 1 && line.points.get(1).is_some_and(|(t, _)| *t <= cutoff) {
            line.points.pop_front();
        }
        while line.points.len() > MAX_POINTS {
            line.points.pop_front();
        }
    }

    /// The timelines over the window ending at `now`: a change before the window is moved to its
    /// start.
    #[must_use]
    pub fn timelines(&self, now: DateTime<Utc>) -> Vec<CheckTimeline> {
        let since = now - WINDOW;
        self.lines
            .iter()
            .map(|l| {
                let mut points: Vec<StatusPoint> = Vec::with_capacity(l.points.len());
                for (i, (at, status)) in l.points.iter().enumerate() {
                    let next_in_window = l.points.get(i + 1).is_none_or(|(t, _)| *t > since);
                    if *at < since && !next_in_window {
                        continue;
                    }
                    points.push(StatusPoint {
                        at: crate::time::format((*at).max(since)),
                        status: *status,
                    });
                }
                CheckTimeline {
                    name: l.name.clone(),
                    component: l.component.clone(),
                    points,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("timestamp") + Duration::minutes(minutes)
    }

    #[test]
    fn keeps_changes_only() {
        let mut h = History::default();
        h.record("storage", "storage", Status::Ok, t(0));
        h.record("storage", "storage", Status::Ok, t(1));
        h.record("storage", "storage", Status::Down, t(2));
        h.record("storage", "storage", Status::Ok, t(3));
        let lines = h.timelines(t(4));
        let statuses: Vec<Status> = lines[0].points.iter().map(|p| p.status).collect();
        assert_eq!(statuses, [Status::Ok, Status::Down, Status::Ok]);
        assert_eq!(lines[0].points[1].at, crate::time::format(t(2)));
    }

    #[test]
    fn the_window_starts_with_the_status_it_had_then() {
        let mut h = History::default();
        h.record("executors", "executor", Status::Ok, t(0));
        h.record("executors", "executor", Status::Degraded, t(10));
        h.record("executors", "executor", Status::Down, t(80));
        let lines = h.timelines(t(90));
        let points = &lines[0].points;
        // The ok at 0 is gone; the degraded at 10 is clamped to the window start (minute 30).
        assert_eq!(points.len(), 2, "{points:?}");
        assert_eq!(points[0].status, Status::Degraded);
        assert_eq!(points[0].at, crate::time::format(t(30)));
        assert_eq!(points[1].status, Status::Down);
    }
}
