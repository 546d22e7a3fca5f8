//! The course the window offers (menu, lesson panel, `AppCommand::ApplyLesson`): the lessons
//! of `crate::lessons`, in course order.

pub use crate::lessons::{Lesson, find, lessons, position};
