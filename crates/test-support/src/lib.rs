//! stub
pub mod webdriver;
