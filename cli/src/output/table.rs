//! `--output table`: `TableFormatter` (`awscli/formatter.py`) and
//! `MultiTable` (`awscli/table.py`), step for step: sections of rows, column
//! widths scaled to the widest section, single-row sections turned vertical
//! when the table is wider than the terminal.
//!
//! With colour (`ColorizedStyler`), values are bright blue and indentation
//! bars dim yellow; colorama's `autoreset`, which wraps stdout, writes a reset
//! after every write the table makes, and so does this.

use super::{Value, is_scalar, scalar_str};

const RESET: &str = "\x1b[0m";

#[derive(Debug, Default)]
struct Section {
    /// `None` prints nothing but, as Python's `str(None)`, counts 4 wide.
    title: Option<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    indent_level: usize,
    num_cols: Option<usize>,
    max_widths: Vec<usize>,
}

impl Section {
    fn add_header(&mut self, headers: Vec<String>) {
        self.update_max_widths(&headers);
        self.num_cols.get_or_insert(headers.len());
        self.headers = headers;
    }

    fn add_row(&mut self, row: Vec<String>) -> Result<(), String> {
        let n = *self.num_cols.get_or_insert(row.len());
        if row.len() != n {
            return Err(format!("Row should have {n} elements, instead it has {}", row.len()));
        }
        self.update_max_widths(&row);
        self.rows.push(row);
        Ok(())
    }

    fn update_max_widths(&mut self, row: &[String]) {
        if self.max_widths.is_empty() {
            self.max_widths = row.iter().map(|c| text_length(c)).collect();
        } else {
            for (w, c) in self.max_widths.iter_mut().zip(row) {
                *w = (*w).max(text_length(c));
            }
        }
    }

    /// Each column's width plus `padding`, scaled to add up to `max_width`
    /// (Python's `int(round(x))`: halves to even), the rounding error taken
    /// from the first columns or given to the last ones.
    fn column_widths(&self, padding: usize, max_width: Option<usize>) -> Vec<usize> {
        let unscaled: Vec<usize> = self.max_widths.iter().map(|w| w + padding).collect();
        let Some(max_width) = max_width else { return unscaled };
        let sum: usize = unscaled.iter().sum();
        if unscaled.is_empty() || sum == 0 {
            return unscaled;
        }
        let factor = max_width as f64 / sum as f64;
        let mut scaled: Vec<i64> = unscaled.iter().map(|w| (factor * *w as f64).round_ties_even() as i64).collect();
        let mut off_by: i64 = scaled.iter().sum::<i64>() - max_width as i64;
        while off_by != 0 {
            let order: Vec<usize> =
                if off_by < 0 { (0..scaled.len()).rev().collect() } else { (0..scaled.len()).collect() };
            for i in order {
                if off_by > 0 {
                    scaled[i] -= 1;
                    off_by -= 1;
                } else {
                    scaled[i] += 1;
                    off_by += 1;
                }
                if off_by == 0 {
                    break;
                }
            }
        }
        scaled.into_iter().map(|w| w.max(0) as usize).collect()
    }

    fn total_width(&self, padding: usize, outer_padding: usize) -> usize {
        let border = 2;
        let total: usize = self.column_widths(0, None).iter().map(|w| w + padding).sum::<usize>() + border;
        let title = self.title.as_deref().map_or(4, text_length);
        (title + border + 2 * outer_padding).max(total + 2 * outer_padding)
    }
}

/// Builds the sections, as `TableFormatter` walks a response.
struct Builder {
    sections: Vec<Section>,
}

impl Builder {
    fn current(&mut self) -> &mut Section {
        if self.sections.is_empty() {
            self.sections.push(Section::default());
        }
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    fn new_section(&mut self, title: Option<&str>, indent_level: usize) {
        self.sections.push(Section { title: title.map(str::to_owned), indent_level, ..Section::default() });
    }

    fn build(&mut self, title: Option<&str>, current: &Value, indent_level: usize) -> Result<(), String> {
        if current.is_falsy() {
            return Ok(());
        }
        if let Some(t) = title {
            self.new_section(Some(t), indent_level);
        }
        match current {
            Value::List(items) => {
                if matches!(items.first(), Some(Value::Map(_))) {
                    self.sub_table_from_list(items, indent_level, title)?;
                } else {
                    for item in items {
                        match item {
                            Value::List(els) if els.iter().all(is_scalar) => {
                                self.current().add_row(els.iter().map(scalar_str).collect())?
                            }
                            // Iterating a dict gives its keys: all scalars.
                            Value::Map(entries) => {
                                self.current().add_row(entries.iter().map(|(k, _)| k.clone()).collect())?
                            }
                            Value::List(_) => self.build(None, item, 0)?,
                            scalar => self.current().add_row(vec![scalar_str(scalar)])?,
                        }
                    }
                }
            }
            Value::Map(entries) => self.sub_table_from_dict(entries, indent_level)?,
            _ => {}
        }
        Ok(())
    }

    fn sub_table_from_dict(&mut self, entries: &[(String, Value)], indent_level: usize) -> Result<(), String> {
        let (headers, more) = group_scalar_keys(entries);
        let get = |k: &str| entries.iter().find(|(key, _)| key == k).map(|(_, v)| v);
        if headers.len() == 1 {
            let value = get(&headers[0]).map(scalar_str).unwrap_or_default();
            self.current().add_row(vec![headers[0].clone(), value])?;
        } else if !headers.is_empty() {
            let row = headers.iter().map(|h| get(h).map(scalar_str).unwrap_or_default()).collect();
            self.current().add_header(headers);
            self.current().add_row(row)?;
        }
        for key in more {
            if let Some(v) = get(&key) {
                self.build(Some(&key), v, indent_level + 1)?;
            }
        }
        Ok(())
    }

    fn sub_table_from_list(&mut self, items: &[Value], indent_level: usize, title: Option<&str>) -> Result<(), String> {
        let mut headers: Vec<String> = Vec::new();
        let mut more: Vec<String> = Vec::new();
        for item in items {
            if let Value::Map(entries) = item {
                let (h, m) = group_scalar_keys(entries);
                headers.extend(h);
                more.extend(m);
            }
        }
        super::sort::sort(&mut headers);
        headers.dedup();
        super::sort::sort(&mut more);
        more.dedup();
        self.current().add_header(headers.clone());
        for (i, item) in items.iter().enumerate() {
            let entries: &[(String, Value)] = match item {
                Value::Map(e) => e,
                _ => &[],
            };
            if i > 0 && !more.is_empty() {
                self.new_section(title, indent_level);
                self.current().add_header(headers.clone());
            }
            let get = |k: &str| entries.iter().find(|(key, _)| key == k).map(|(_, v)| v);
            let row = headers.iter().map(|h| get(h).map(scalar_str).unwrap_or_default()).collect();
            self.current().add_row(row)?;
            for key in &more {
                if let Some(v) = get(key) {
                    self.build(Some(key), v, indent_level + 1)?;
                }
            }
        }
        Ok(())
    }
}

/// The keys of scalar values and the others, each sorted.
fn group_scalar_keys(entries: &[(String, Value)]) -> (Vec<String>, Vec<String>) {
    let (mut headers, mut more): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for (k, v) in entries {
        if is_scalar(v) { headers.push(k.clone()) } else { more.push(k.clone()) }
    }
    super::sort::sort(&mut headers);
    super::sort::sort(&mut more);
    (headers, more)
}

/// `get_text_length`: East Asian wide, full-width and ambiguous characters
/// count 2. Approximated with the ranges that hold them in practice.
fn text_length(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    let u = u32::from(c);
    matches!(u,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD)
        // Ambiguous: Latin-1 signs, Greek and Cyrillic letters, box drawing.
        || matches!(u, 0xA1 | 0xA4 | 0xA7 | 0xA8 | 0xAA | 0xAD | 0xAE | 0xB0..=0xB4 | 0xB6..=0xBA | 0xBC..=0xBF
            | 0xC6 | 0xD0 | 0xD7 | 0xD8 | 0xDE..=0xE1 | 0xE6 | 0xE8..=0xEA | 0xEC | 0xED | 0xF0 | 0xF2 | 0xF3
            | 0xF7..=0xFA | 0xFC | 0xFE | 0x391..=0x3A9 | 0x3B1..=0x3C9 | 0x401 | 0x410..=0x44F | 0x451
            | 0x2010 | 0x2013..=0x2016 | 0x2018 | 0x2019 | 0x201C | 0x201D | 0x2020..=0x2022 | 0x2024..=0x2027
            | 0x2030 | 0x2032 | 0x2033 | 0x2035 | 0x203B | 0x203E | 0x2460..=0x24E9 | 0x2500..=0x257F
            | 0x2580..=0x25FF | 0x2605 | 0x2606 | 0x2609 | 0x260E | 0x260F | 0x2640 | 0x2642 | 0xE000..=0xF8FF
            | 0xFFFD)
}

/// stdout as the table writes to it: with colour, colorama's autoreset adds
/// a reset after every write.
struct Stream {
    out: String,
    color: bool,
}

impl Stream {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        if self.color {
            self.out.push_str(RESET);
        }
    }

    /// `IndentedStream.write`: the indentation bars on both sides of a line.
    fn write_indented(&mut self, indent: usize, bar: &str, text: &str) {
        let bars = bar.repeat(indent);
        self.write(&bars);
        match text.strip_suffix('\n') {
            Some(line) => {
                self.write(line);
                self.write(&bars);
                self.write("\n");
            }
            None => self.write(text),
        }
    }
}

fn spaces(n: isize) -> String {
    " ".repeat(n.max(0) as usize)
}

fn center_text(text: &str, length: usize, left: &str, right: &str, text_len: usize) -> String {
    let char_start = (length / 2) as isize - (text_len / 2) as isize - 1;
    let so_far = text_length(left) as isize + char_start + text_len as isize;
    let right_spaces = length as isize - text_length(right) as isize - so_far;
    format!("{left}{}{text}{}{right}", spaces(char_start), spaces(right_spaces))
}

fn align_left(text: &str, length: usize, left: &str, right: &str, text_len: usize) -> String {
    let computed = text_len + 2 + text_length(left) + text_length(right);
    let padding = if length >= computed { 2 } else { 0 };
    let so_far = left.chars().count() + padding + text_len;
    let fill = length as isize - so_far as isize - right.chars().count() as isize;
    format!("{left}{}{text}{}{right}", spaces(padding as isize), spaces(fill))
}

fn line_break(widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, w) in widths.iter().enumerate() {
        let dashes = if i == 0 { w.saturating_sub(2) } else { w.saturating_sub(1) };
        if i == 0 {
            s.push('+');
        }
        s.push_str(&"-".repeat(dashes));
        s.push('+');
    }
    s.push('\n');
    s
}

/// The table of `v` (a truthy value) under the title `title`, for a terminal
/// `width` columns wide. The error is a row whose length differs from its
/// section's first, which v2 refuses too.
pub(super) fn render(v: &Value, title: &str, color: bool, width: usize) -> Result<String, String> {
    let mut b = Builder { sections: Vec::new() };
    b.build(Some(title), v, 0)?;
    let mut sections = b.sections;
    let max = |s: &[Section]| s.iter().map(|s| s.total_width(4, s.indent_level)).max().unwrap_or(0);
    let mut max_width = max(&sections);
    if max_width > width {
        convert_to_vertical(&mut sections);
        max_width = max(&sections);
    }
    let (value_on, bar) =
        if color { ("\x1b[1m\x1b[34m", format!("\x1b[2m\x1b[33m|{RESET}")) } else { ("", "|".to_owned()) };
    let mut out = Stream { out: String::new(), color };
    out.write(&format!("{}\n", "-".repeat(max_width)));
    for s in &sections {
        let inner = max_width.saturating_sub(s.indent_level * 2);
        let indent = s.indent_level;
        if let Some(t) = s.title.as_deref().filter(|t| !t.is_empty()) {
            out.write_indented(indent, &bar, &format!("{}\n", center_text(t, inner, "|", "|", text_length(t))));
            if s.headers.is_empty() && s.rows.is_empty() {
                out.write_indented(indent, &bar, &format!("+{}+\n", "-".repeat(inner.saturating_sub(2))));
            }
        }
        if !s.headers.is_empty() {
            let widths = s.column_widths(4, Some(inner));
            let mut line = String::new();
            for (i, (w, h)) in widths.iter().zip(&s.headers).enumerate() {
                line.push_str(&center_text(h, *w, if i == 0 { "|" } else { "" }, "|", text_length(h)));
            }
            out.write_indented(indent, &bar, &line_break(&widths));
            out.write_indented(indent, &bar, &format!("{line}\n"));
        }
        if !s.rows.is_empty() {
            let widths = s.column_widths(4, Some(inner));
            if widths.is_empty() {
                continue;
            }
            out.write_indented(indent, &bar, &line_break(&widths));
            for row in &s.rows {
                let mut line = String::new();
                for (i, (w, cell)) in widths.iter().zip(row).enumerate() {
                    let styled = if color { format!("{value_on}{cell}{RESET}") } else { cell.clone() };
                    line.push_str(&align_left(&styled, *w, if i == 0 { "|" } else { "" }, "|", text_length(cell)));
                }
                out.write_indented(indent, &bar, &format!("{line}\n"));
            }
            out.write_indented(indent, &bar, &line_break(&widths));
        }
    }
    Ok(out.out)
}

/// `convert_to_vertical_table`: every single-row section with headers
/// becomes one `header | value` row per column.
fn convert_to_vertical(sections: &mut [Section]) {
    for s in sections.iter_mut() {
        if s.rows.len() == 1 && !s.headers.is_empty() {
            let mut new = Section { title: s.title.take(), indent_level: s.indent_level, ..Section::default() };
            for (h, v) in s.headers.iter().zip(&s.rows[0]) {
                // Two columns each time: cannot fail.
                let _ = new.add_row(vec![h.clone(), v.clone()]);
            }
            *s = new;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::from_json;

    /// As v2's own table tests render: the title `OperationName`, no
    /// reshaping to the terminal's width (`auto_reformat=False`).
    fn table(v: &Value) -> String {
        render(v, "OperationName", false, usize::MAX).unwrap()
    }

    // The data and the expected tables below are those of the AWS CLI v2's
    // tests/unit/output/test_table_formatter.py, test by test.

    /// `test_list_table`.
    #[test]
    fn v2_list_table() {
        let data = r#"{"QueueUrls": ["https://us-west-2.queue.amazonaws.com/1/queue1", "https://us-west-2.queue.amazonaws.com/1/queue2", "https://us-west-2.queue.amazonaws.com/1/queue3", "https://us-west-2.queue.amazonaws.com/1/queue4"]}"#;
        let want = r#"------------------------------------------------------
|                    OperationName                   |
+----------------------------------------------------+
||                     QueueUrls                    ||
|+--------------------------------------------------+|
||  https://us-west-2.queue.amazonaws.com/1/queue1  ||
||  https://us-west-2.queue.amazonaws.com/1/queue2  ||
||  https://us-west-2.queue.amazonaws.com/1/queue3  ||
||  https://us-west-2.queue.amazonaws.com/1/queue4  ||
|+--------------------------------------------------+|
"#;
        assert_eq!(table(&from_json(data)), want);
    }

    /// `test_dict_table`.
    #[test]
    fn v2_dict_table() {
        let data = r#"{"Attributes": {"a": "0", "b": "345600", "c": "0", "d": "65536", "e": "1351044153", "f": "0"}}"#;
        let want = r#"----------------------------------------------------
|                   OperationName                  |
+--------------------------------------------------+
||                   Attributes                   ||
|+---+---------+----+--------+--------------+-----+|
|| a |    b    | c  |   d    |      e       |  f  ||
|+---+---------+----+--------+--------------+-----+|
||  0|  345600 |  0 |  65536 |  1351044153  |  0  ||
|+---+---------+----+--------+--------------+-----+|
"#;
        assert_eq!(table(&from_json(data)), want);
    }

    /// `test_list_of_dicts`.
    #[test]
    fn v2_list_of_dicts() {
        let data = r#"{"OrderableDBInstanceOptions": [{"AvailabilityZones": [{"Name": "us-east-1a", "ProvisionedIopsCapable": false}, {"Name": "us-east-1d", "ProvisionedIopsCapable": true}], "DBInstanceClass": "db.m1.large", "Engine": "mysql", "EngineVersion": "5.1.45", "LicenseModel": "general-public-license", "MultiAZCapable": true, "ReadReplicaCapable": true, "Vpc": false}, {"AvailabilityZones": [{"Name": "us-west-2a", "ProvisionedIopsCapable": true}, {"Name": "us-west-2b", "ProvisionedIopsCapable": true}], "DBInstanceClass": "db.m1.xlarge", "Engine": "mysql", "EngineVersion": "5.1.57", "LicenseModel": "general-public-license", "MultiAZCapable": true, "ReadReplicaCapable": true, "Vpc": false}, {"AvailabilityZones": [{"Name": "us-west-2a", "ProvisionedIopsCapable": true}], "DBInstanceClass": "db.m1.xlarge", "Engine": "mysql", "EngineVersion": "5.1.57", "LicenseModel": "general-public-license", "MultiAZCapable": true, "ReadReplicaCapable": true, "Vpc": true}]}"#;
        let want = r#"-----------------------------------------------------------------------------------------------------------------------------
|                                                       OperationName                                                       |
+---------------------------------------------------------------------------------------------------------------------------+
||                                               OrderableDBInstanceOptions                                                ||
|+-----------------+---------+----------------+-------------------------+-----------------+----------------------+---------+|
|| DBInstanceClass | Engine  | EngineVersion  |      LicenseModel       | MultiAZCapable  | ReadReplicaCapable   |   Vpc   ||
|+-----------------+---------+----------------+-------------------------+-----------------+----------------------+---------+|
||  db.m1.large    |  mysql  |  5.1.45        |  general-public-license |  True           |  True                |  False  ||
|+-----------------+---------+----------------+-------------------------+-----------------+----------------------+---------+|
|||                                                   AvailabilityZones                                                   |||
||+----------------------------------------+------------------------------------------------------------------------------+||
|||                  Name                  |                           ProvisionedIopsCapable                             |||
||+----------------------------------------+------------------------------------------------------------------------------+||
|||  us-east-1a                            |  False                                                                       |||
|||  us-east-1d                            |  True                                                                        |||
||+----------------------------------------+------------------------------------------------------------------------------+||
||                                               OrderableDBInstanceOptions                                                ||
|+-----------------+---------+----------------+-------------------------+-----------------+----------------------+---------+|
|| DBInstanceClass | Engine  | EngineVersion  |      LicenseModel       | MultiAZCapable  | ReadReplicaCapable   |   Vpc   ||
|+-----------------+---------+----------------+-------------------------+-----------------+----------------------+---------+|
||  db.m1.xlarge   |  mysql  |  5.1.57        |  general-public-license |  True           |  True                |  False  ||
|+-----------------+---------+----------------+-------------------------+-----------------+----------------------+---------+|
|||                                                   AvailabilityZones                                                   |||
||+----------------------------------------+------------------------------------------------------------------------------+||
|||                  Name                  |                           ProvisionedIopsCapable                             |||
||+----------------------------------------+------------------------------------------------------------------------------+||
|||  us-west-2a                            |  True                                                                        |||
|||  us-west-2b                            |  True                                                                        |||
||+----------------------------------------+------------------------------------------------------------------------------+||
||                                               OrderableDBInstanceOptions                                                ||
|+-----------------+---------+----------------+--------------------------+-----------------+----------------------+--------+|
|| DBInstanceClass | Engine  | EngineVersion  |      LicenseModel        | MultiAZCapable  | ReadReplicaCapable   |  Vpc   ||
|+-----------------+---------+----------------+--------------------------+-----------------+----------------------+--------+|
||  db.m1.xlarge   |  mysql  |  5.1.57        |  general-public-license  |  True           |  True                |  True  ||
|+-----------------+---------+----------------+--------------------------+-----------------+----------------------+--------+|
|||                                                   AvailabilityZones                                                   |||
||+----------------------------------------+------------------------------------------------------------------------------+||
|||                  Name                  |                           ProvisionedIopsCapable                             |||
||+----------------------------------------+------------------------------------------------------------------------------+||
|||  us-west-2a                            |  True                                                                        |||
||+----------------------------------------+------------------------------------------------------------------------------+||
"#;
        assert_eq!(table(&from_json(data)), want);
    }

    /// `test_inner_table`.
    #[test]
    fn v2_inner_table() {
        let data = r#"{"Snapshots": [{"Description": "TestVolume1", "Tags": [{"Value": "TestVolume", "Key": "Name"}], "VolumeId": "vol-12345", "State": "completed", "VolumeSize": 8, "Progress": "100%", "StartTime": "2012-05-23T21:46:41.000Z", "SnapshotId": "snap-1234567", "OwnerId": "12345"}, {"Description": "Created by CreateImage(i-1234) for ami-1234 from vol-1234", "VolumeId": "vol-e543b98b", "State": "completed", "VolumeSize": 8, "Progress": "100%", "StartTime": "2012-05-25T00:07:20.000Z", "SnapshotId": "snap-23456", "OwnerId": "12345"}]}"#;
        let want = r#"-----------------------------------------------------------------------------------------------------------------------------------------------------------------------------
|                                                                               OperationName                                                                               |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
||                                                                                Snapshots                                                                                ||
|+-------------------+--------------+----------------+---------------------+--------------------------------------+-----------------+-----------------+--------------------+|
||    Description    |   OwnerId    |   Progress     |     SnapshotId      |              StartTime               |      State      |    VolumeId     |    VolumeSize      ||
|+-------------------+--------------+----------------+---------------------+--------------------------------------+-----------------+-----------------+--------------------+|
||  TestVolume1      |  12345       |  100%          |  snap-1234567       |  2012-05-23T21:46:41.000Z            |  completed      |  vol-12345      |  8                 ||
|+-------------------+--------------+----------------+---------------------+--------------------------------------+-----------------+-----------------+--------------------+|
|||                                                                                 Tags                                                                                  |||
||+-----------------------------------------------------------+-----------------------------------------------------------------------------------------------------------+||
|||                            Key                            |                                                   Value                                                   |||
||+-----------------------------------------------------------+-----------------------------------------------------------------------------------------------------------+||
|||  Name                                                     |  TestVolume                                                                                               |||
||+-----------------------------------------------------------+-----------------------------------------------------------------------------------------------------------+||
||                                                                                Snapshots                                                                                ||
|+------------------------------------------------------------+----------+-----------+-------------+---------------------------+------------+---------------+--------------+|
||                         Description                        | OwnerId  | Progress  | SnapshotId  |         StartTime         |   State    |   VolumeId    | VolumeSize   ||
|+------------------------------------------------------------+----------+-----------+-------------+---------------------------+------------+---------------+--------------+|
||  Created by CreateImage(i-1234) for ami-1234 from vol-1234 |  12345   |  100%     |  snap-23456 |  2012-05-25T00:07:20.000Z |  completed |  vol-e543b98b |  8           ||
|+------------------------------------------------------------+----------+-----------+-------------+---------------------------+------------+---------------+--------------+|
"#;
        assert_eq!(table(&from_json(data)), want);
    }

    /// `test_missing_keys`.
    #[test]
    fn v2_missing_keys() {
        let data = r#"{"Snapshots": [{"Description": "TestVolume1", "Tags": "foo", "VolumeId": "vol-12345", "State": "completed", "VolumeSize": 8, "Progress": "100%", "StartTime": "2012-05-23T21:46:41.000Z", "SnapshotId": "snap-1234567", "OwnerId": "12345"}, {"Description": "description", "VolumeId": "vol-e543b98b", "State": "completed", "VolumeSize": 8, "Progress": "100%", "StartTime": "2012-05-25T00:07:20.000Z", "SnapshotId": "snap-23456", "OwnerId": "12345"}]}"#;
        let want = r#"-----------------------------------------------------------------------------------------------------------------------------------------
|                                                             OperationName                                                             |
+---------------------------------------------------------------------------------------------------------------------------------------+
||                                                              Snapshots                                                              ||
|+-------------+----------+-----------+---------------+---------------------------+------------+-------+----------------+--------------+|
|| Description | OwnerId  | Progress  |  SnapshotId   |         StartTime         |   State    | Tags  |   VolumeId     | VolumeSize   ||
|+-------------+----------+-----------+---------------+---------------------------+------------+-------+----------------+--------------+|
||  TestVolume1|  12345   |  100%     |  snap-1234567 |  2012-05-23T21:46:41.000Z |  completed |  foo  |  vol-12345     |  8           ||
||  description|  12345   |  100%     |  snap-23456   |  2012-05-25T00:07:20.000Z |  completed |       |  vol-e543b98b  |  8           ||
|+-------------+----------+-----------+---------------+---------------------------+------------+-------+----------------+--------------+|
"#;
        assert_eq!(table(&from_json(data)), want);
    }

    /// `test_new_keys_after_first_row`.
    #[test]
    fn v2_new_keys_after_first_row() {
        let data = r#"{"Snapshots": [{"Description": "TestVolume1", "Tags": "foo", "VolumeId": "vol-12345", "State": "completed", "VolumeSize": 8, "Progress": "100%", "StartTime": "start_time", "SnapshotId": "snap-1234567", "OwnerId": "12345"}, {"Description": "description", "State": "completed", "VolumeSize": 8, "Progress": "100%", "EndTime": "end_time", "SnapshotId": "snap-23456", "OwnerId": "12345"}]}"#;
        let want = r#"------------------------------------------------------------------------------------------------------------------------------------
|                                                           OperationName                                                          |
+----------------------------------------------------------------------------------------------------------------------------------+
||                                                            Snapshots                                                           ||
|+-------------+-----------+----------+-----------+---------------+-------------+------------+-------+-------------+--------------+|
|| Description |  EndTime  | OwnerId  | Progress  |  SnapshotId   |  StartTime  |   State    | Tags  |  VolumeId   | VolumeSize   ||
|+-------------+-----------+----------+-----------+---------------+-------------+------------+-------+-------------+--------------+|
||  TestVolume1|           |  12345   |  100%     |  snap-1234567 |  start_time |  completed |  foo  |  vol-12345  |  8           ||
||  description|  end_time |  12345   |  100%     |  snap-23456   |             |  completed |       |             |  8           ||
|+-------------+-----------+----------+-----------+---------------+-------------+------------+-------+-------------+--------------+|
"#;
        assert_eq!(table(&from_json(data)), want);
    }

    /// `test_jmespath_filtered_response`.
    #[test]
    fn v2_jmespath_filtered_response() {
        let data = r#"[[["i-12345", "ami-12345", "ebs", "t1.micro", "running", "disabled", "util"]], [["i-56789", "ami-56789", "ebs", "c1.medium", "running", "disabled", "myname"]]]"#;
        let want = r#"-------------------------------------------------------------------------------
|                                OperationName                                |
+---------+------------+------+------------+----------+------------+----------+
|  i-12345|  ami-12345 |  ebs |  t1.micro  |  running |  disabled  |  util    |
|  i-56789|  ami-56789 |  ebs |  c1.medium |  running |  disabled  |  myname  |
+---------+------------+------+------------+----------+------------+----------+
"#;
        assert_eq!(table(&from_json(data)), want);
    }

    /// `test_jmespath_filtered_dict_response`.
    #[test]
    fn v2_jmespath_filtered_dict_response() {
        let data = r#"[[{"InstanceId": "i-12345", "RootDeviceType": "ebs", "InstanceType": "t1.micro", "ImageId": "ami-12345"}], [{"InstanceId": "i-56789", "RootDeviceType": "ebs", "InstanceType": "c1.medium", "ImageId": "ami-56789"}]]"#;
        let want = r#"---------------------------------------------------------------
|                        OperationName                        |
+-----------+-------------+----------------+------------------+
|  ImageId  | InstanceId  | InstanceType   | RootDeviceType   |
+-----------+-------------+----------------+------------------+
|  ami-12345|  i-12345    |  t1.micro      |  ebs             |
|  ami-56789|  i-56789    |  c1.medium     |  ebs             |
+-----------+-------------+----------------+------------------+
"#;
        assert_eq!(table(&from_json(data)), want);
    }

    #[test]
    fn v2_empty_table() {
        let opts = crate::output::RenderOptions::new(crate::output::OutputFormat::Table);
        let p = crate::output::Printable::Single(Value::Map(vec![]));
        assert_eq!(crate::output::render(p, "OperationName", &opts).unwrap(), "");
    }

    /// A table wider than the terminal: single-row sections turn vertical
    /// (`convert_to_vertical_table`). Expected: the AWS CLI's `TableFormatter`
    /// on the same data, 80 columns.
    #[test]
    fn narrow_terminal_turns_single_rows_vertical() {
        let v = from_json(
            r#"{"A": {"Key1": "a-long-value-for-the-first-column-xxxxxxxx", "Key2": "another-long-value-to-overflow-80-yyyyyyy"}}"#,
        );
        let want = "\
----------------------------------------------------------
|                           Op                           |
+--------------------------------------------------------+
||                           A                          ||
|+------+-----------------------------------------------+|
||  Key1|  a-long-value-for-the-first-column-xxxxxxxx   ||
||  Key2|  another-long-value-to-overflow-80-yyyyyyy    ||
|+------+-----------------------------------------------+|
";
        assert_eq!(render(&v, "Op", false, 80).unwrap(), want);
        // Wide enough: the section keeps its header row.
        let wide = render(&v, "Op", false, 200).unwrap();
        assert!(wide.lines().any(|l| l.contains("Key1") && l.contains("Key2")), "{wide}");
    }

    /// `--color on`: values bright blue, indentation bars dim yellow, and a
    /// reset after every write (colorama's autoreset wraps stdout). Expected:
    /// the AWS CLI's `TableFormatter(color='on')` writing to stdout.
    #[test]
    fn colours_as_colorama_writes_them() {
        let want = "---------\n\x1b[0m\x1b[0m|  Op   |\x1b[0m\x1b[0m\n\x1b[0m\x1b[0m+-------+\x1b[0m\x1b[0m\n\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\x1b[0m|  L  |\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\x1b[0m\n\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\x1b[0m+-----+\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\x1b[0m\n\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\x1b[0m|  \x1b[1m\x1b[34mx\x1b[0m  |\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\x1b[0m\n\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\x1b[0m+-----+\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\x1b[0m\n\x1b[0m";
        let v = from_json(r#"{"L": ["x"]}"#);
        assert_eq!(render(&v, "Op", true, 80).unwrap(), want);
        assert!(!render(&v, "Op", false, 80).unwrap().contains('\x1b'));
    }
}
