//! Cell formats from the layout's styles, and a cursor that writes titles, notes and
//! three-line journal tables down a worksheet (optionally as native Excel tables).

use super::layout::{Kind, KindDef, Layout};
use super::XlsxRenderError;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Table, TableColumn, TableStyle,
    Worksheet,
};
use std::collections::BTreeMap;

/// Excel's limit on the length of a cell's text.
const MAX_CELL_CHARS: usize = 32_767;

/// Formats built from the layout.
pub struct Styles {
    font: String,
    pub size: f64,
    title_size: f64,
    caption_size: f64,
    note_size: f64,
    header_fill: Option<Color>,
    header_bold: bool,
    rule_top: FormatBorder,
    rule_header: FormatBorder,
    rule_bottom: FormatBorder,
    pub chart_width: u32,
    pub chart_height: u32,
    pub chart_colors: Vec<Color>,
    table_style: TableStyle,
    kinds: BTreeMap<Kind, KindDef>,
}

/// Where a cell sits in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Header,
    Body,
    /// The last body row (thick rule under it).
    Last,
}

fn layout_err(message: String) -> XlsxRenderError {
    XlsxRenderError::Layout {
        file: super::LAYOUT_FILE.to_string(),
        message,
    }
}

fn border(key: &str, v: &str) -> Result<FormatBorder, XlsxRenderError> {
    match v {
        "none" => Ok(FormatBorder::None),
        "thin" => Ok(FormatBorder::Thin),
        "medium" => Ok(FormatBorder::Medium),
        "thick" => Ok(FormatBorder::Thick),
        "double" => Ok(FormatBorder::Double),
        _ => Err(layout_err(format!(
            "styles.{key} = {v:?}: expected none, thin, medium, thick or double"
        ))),
    }
}

fn color(key: &str, v: &str) -> Result<Color, XlsxRenderError> {
    let hex = v.strip_prefix('#').unwrap_or(v);
    match u32::from_str_radix(hex, 16) {
        Ok(n) if hex.len() == 6 => Ok(Color::RGB(n)),
        _ => Err(layout_err(format!(
            "styles.{key} = {v:?}: expected a colour \"#RRGGBB\""
        ))),
    }
}

fn table_style(v: &str) -> Result<TableStyle, XlsxRenderError> {
    Ok(match v {
        "none" => TableStyle::None,
        "light1" => TableStyle::Light1,
        "light8" => TableStyle::Light8,
        "light9" => TableStyle::Light9,
        "light15" => TableStyle::Light15,
        "medium2" => TableStyle::Medium2,
        "medium9" => TableStyle::Medium9,
        _ => {
            return Err(layout_err(format!(
                "styles.native_table_style = {v:?}: expected none, light1, light8, light9, \
                 light15, medium2 or medium9"
            )))
        }
    })
}

impl Styles {
    pub fn new(layout: &Layout, lang: &str) -> Result<Styles, XlsxRenderError> {
        let s = &layout.styles;
        let header_fill = match s.header_fill.trim() {
            "" => None,
            v => Some(color("header_fill", v)?),
        };
        let chart_colors = s
            .chart_colors
            .iter()
            .map(|c| color("chart_colors", c))
            .collect::<Result<Vec<_>, _>>()?;
        if chart_colors.is_empty() {
            return Err(layout_err("styles.chart_colors is empty".into()));
        }
        for (k, def) in &layout.kinds {
            match def.align.as_str() {
                "left" | "center" | "right" => {}
                a => {
                    return Err(layout_err(format!(
                        "kinds.{:?}.align = {a:?}: expected left, center or right",
                        k
                    )))
                }
            }
        }
        Ok(Styles {
            font: if lang == "zh" {
                s.font_zh.clone()
            } else {
                s.font_en.clone()
            },
            size: s.font_size,
            title_size: s.title_size,
            caption_size: s.caption_size,
            note_size: s.note_size,
            header_fill,
            header_bold: s.header_bold,
            rule_top: border("rule_top", &s.rule_top)?,
            rule_header: border("rule_header", &s.rule_header)?,
            rule_bottom: border("rule_bottom", &s.rule_bottom)?,
            chart_width: s.chart_width.max(200),
            chart_height: s.chart_height.max(150),
            chart_colors,
            table_style: table_style(&s.native_table_style)?,
            kinds: layout.kinds.clone(),
        })
    }

    fn base(&self) -> Format {
        Format::new()
            .set_font_name(self.font.as_str())
            .set_font_size(self.size)
    }

    pub fn title(&self) -> Format {
        self.base().set_bold().set_font_size(self.title_size)
    }

    pub fn caption(&self) -> Format {
        self.base().set_bold().set_font_size(self.caption_size)
    }

    pub fn note(&self) -> Format {
        self.base().set_italic().set_font_size(self.note_size)
    }

    /// Plain wrapped text (methods).
    pub fn paragraph(&self) -> Format {
        self.base()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_align(FormatAlign::Left)
    }

    pub fn width(&self, kind: Kind) -> f64 {
        self.kinds.get(&kind).map(|k| k.width).unwrap_or(12.0)
    }

    pub fn num_format(&self, kind: Kind) -> &str {
        self.kinds
            .get(&kind)
            .map(|k| k.num_format.as_str())
            .unwrap_or("General")
    }

    fn align(&self, kind: Kind) -> FormatAlign {
        match self.kinds.get(&kind).map(|k| k.align.as_str()) {
            Some("center") => FormatAlign::Center,
            Some("right") => FormatAlign::Right,
            _ => FormatAlign::Left,
        }
    }

    /// The format of a table cell of `kind` in `role`; `last_header` when the header is also
    /// the table's last row (a table without rows).
    pub fn cell(&self, kind: Kind, role: Role) -> Format {
        match role {
            Role::Header => {
                let mut f = self
                    .base()
                    .set_align(self.align(kind))
                    .set_align(FormatAlign::Bottom)
                    .set_text_wrap()
                    .set_border_top(self.rule_top)
                    .set_border_bottom(self.rule_header);
                if self.header_bold {
                    f = f.set_bold();
                }
                if let Some(c) = self.header_fill {
                    f = f.set_background_color(c);
                }
                f
            }
            Role::Body | Role::Last => {
                let mut f = self
                    .base()
                    .set_align(self.align(kind))
                    .set_num_format(self.num_format(kind));
                if role == Role::Last {
                    f = f.set_border_bottom(self.rule_bottom);
                }
                f
            }
        }
    }
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, always written as a string cell.
    Text(String),
    Num(f64),
    /// An ISO date (`2020-03-02`) written as an Excel date; text when it does not parse.
    Date(String),
    Blank,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<&str>) -> Cell {
        s.map(Cell::text).unwrap_or(Cell::Blank)
    }

    pub fn num(x: f64) -> Cell {
        if x.is_finite() {
            Cell::Num(x)
        } else {
            Cell::Blank
        }
    }

    /// A number, or blank when absent.
    pub fn opt(x: Option<f64>) -> Cell {
        x.map(Cell::num).unwrap_or(Cell::Blank)
    }

    /// A number, or `missing` text when absent (`NR` for a median not reached).
    pub fn opt_or(x: Option<f64>, missing: &str) -> Cell {
        match x {
            Some(v) if v.is_finite() => Cell::Num(v),
            _ => Cell::text(missing),
        }
    }

    pub fn count(n: usize) -> Cell {
        Cell::Num(n as f64)
    }

    pub fn opt_date(s: Option<&str>) -> Cell {
        s.map(|d| Cell::Date(d.to_string())).unwrap_or(Cell::Blank)
    }
}

/// A column: its header text and kind.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
}

pub fn col(header: impl Into<String>, kind: Kind) -> Column {
    Column {
        header: header.into(),
        kind,
    }
}

/// A table to write.
#[derive(Debug, Clone, Default)]
pub struct TableData {
    pub caption: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Write as a native Excel table (filters); only when it has rows.
    pub native: bool,
    /// Shown under the table when it has no rows.
    pub empty_note: Option<String>,
}

/// Where a written table's cells are.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub first_row: u32,
}

/// Writes down one worksheet, tracking the next free row and column widths.
pub struct SheetWriter<'a> {
    pub ws: &'a mut Worksheet,
    pub sheet_name: String,
    pub st: &'a Styles,
    pub row: u32,
    widths: BTreeMap<u16, f64>,
    first_header: Option<u32>,
    /// Formats built once per (kind, role): a large listing writes millions of cells.
    formats: std::collections::HashMap<(Kind, Role), Format>,
}

/// Writes `s` as a string cell (truncated to Excel's limit), never as a formula or URL.
pub fn write_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    f: &Format,
) -> Result<(), XlsxRenderError> {
    if s.chars().count() > MAX_CELL_CHARS {
        let cut: String = s.chars().take(MAX_CELL_CHARS - 1).collect();
        ws.write_string_with_format(row, col, format!("{cut}…"), f)?;
    } else {
        ws.write_string_with_format(row, col, s, f)?;
    }
    Ok(())
}

impl<'a> SheetWriter<'a> {
    pub fn new(ws: &'a mut Worksheet, sheet_name: String, st: &'a Styles) -> Self {
        SheetWriter {
            ws,
            sheet_name,
            st,
            row: 0,
            widths: BTreeMap::new(),
            first_header: None,
            formats: std::collections::HashMap::new(),
        }
    }

    /// Makes column `c` at least `w` characters wide.
    pub fn widen(&mut self, c: u16, w: f64) {
        let e = self.widths.entry(c).or_insert(0.0);
        if w > *e {
            *e = w;
        }
    }

    pub fn title(&mut self, text: &str) -> Result<u32, XlsxRenderError> {
        let r = self.row;
        write_text(self.ws, r, 0, text, &self.st.title())?;
        self.ws.set_row_height(r, self.st.title_size * 1.6)?;
        self.row += 2;
        Ok(r)
    }

    pub fn caption(&mut self, text: &str) -> Result<u32, XlsxRenderError> {
        let r = self.row;
        write_text(self.ws, r, 0, text, &self.st.caption())?;
        self.row += 1;
        Ok(r)
    }

    pub fn note(&mut self, text: &str) -> Result<(), XlsxRenderError> {
        write_text(self.ws, self.row, 0, text, &self.st.note())?;
        self.row += 1;
        Ok(())
    }

    pub fn gap(&mut self, rows: u32) {
        self.row += rows;
    }

    /// Writes one cell of `kind` in `role`.
    pub fn cell(
        &mut self,
        row: u32,
        c: u16,
        cell: &Cell,
        kind: Kind,
        role: Role,
    ) -> Result<(), XlsxRenderError> {
        let f = self
            .formats
            .entry((kind, role))
            .or_insert_with(|| self.st.cell(kind, role))
            .clone();
        match cell {
            Cell::Text(s) => write_text(self.ws, row, c, s, &f)?,
            Cell::Num(x) => {
                self.ws.write_number_with_format(row, c, *x, &f)?;
            }
            Cell::Date(s) => match ExcelDateTime::parse_from_str(s.trim()) {
                Ok(d) => {
                    // A date keeps the date format whatever the column's kind.
                    let f = self.st.cell(Kind::Date, role);
                    self.ws.write_datetime_with_format(row, c, &d, &f)?;
                }
                Err(_) => write_text(self.ws, row, c, s, &f)?,
            },
            Cell::Blank => {
                self.ws.write_blank(row, c, &f)?;
            }
        }
        Ok(())
    }

    /// Writes a three-line table at the cursor (caption first when given) and moves the
    /// cursor one blank row below it.
    pub fn table(&mut self, t: &TableData) -> Result<Placed, XlsxRenderError> {
        if let Some(c) = &t.caption {
            self.caption(c)?;
        }
        let header_row = self.row;
        if self.first_header.is_none() {
            self.first_header = Some(header_row);
        }
        let headers = unique_headers(&t.columns);
        let mut lines = 1usize;
        for (i, (c, h)) in t.columns.iter().zip(&headers).enumerate() {
            let ci = i as u16;
            let f = self.st.cell(c.kind, Role::Header);
            write_text(self.ws, header_row, ci, h, &f)?;
            self.widen(ci, self.st.width(c.kind));
            lines = lines.max(wrapped_lines(h, self.st.width(c.kind)));
        }
        if lines > 1 {
            // Wrapped headers: Excel does not grow the row on opening, so size it here.
            self.ws
                .set_row_height(header_row, lines as f64 * (self.st.size * 1.35) + 3.0)?;
        }
        let first_row = header_row + 1;
        let n = t.rows.len();
        for (ri, cells) in t.rows.iter().enumerate() {
            let role = if ri + 1 == n { Role::Last } else { Role::Body };
            let r = first_row + ri as u32;
            for (ci, c) in t.columns.iter().enumerate() {
                let cell = cells.get(ci).unwrap_or(&Cell::Blank);
                self.cell(r, ci as u16, cell, c.kind, role)?;
            }
        }
        if t.native && n > 0 && !t.columns.is_empty() {
            let cols: Vec<TableColumn> = t
                .columns
                .iter()
                .zip(&headers)
                .map(|(c, h)| {
                    TableColumn::new()
                        .set_header(h.as_str())
                        .set_header_format(self.st.cell(c.kind, Role::Header))
                })
                .collect();
            let table = Table::new()
                .set_columns(&cols)
                .set_style(self.st.table_style)
                .set_banded_rows(false);
            self.ws.add_table(
                header_row,
                0,
                header_row + n as u32,
                (t.columns.len() - 1) as u16,
                &table,
            )?;
        }
        self.row = first_row + n as u32;
        if n == 0 {
            // The header is also the last row: close the table with the bottom rule.
            for (ci, (c, h)) in t.columns.iter().zip(&headers).enumerate() {
                let f = self
                    .st
                    .cell(c.kind, Role::Header)
                    .set_border_bottom(self.st.rule_bottom);
                write_text(self.ws, header_row, ci as u16, h, &f)?;
            }
            if let Some(note) = &t.empty_note {
                self.note(note)?;
            }
        }
        self.row += 1;
        Ok(Placed { first_row })
    }

    /// Sets column widths and freezes the panes under the first table header.
    pub fn finish(self, freeze: bool) -> Result<(), XlsxRenderError> {
        for (c, w) in &self.widths {
            self.ws.set_column_width(*c, *w)?;
        }
        if freeze {
            if let Some(h) = self.first_header {
                self.ws.set_freeze_panes(h + 1, 0)?;
            }
        }
        Ok(())
    }
}

/// Lines a header needs in a column `width` characters wide (CJK characters count double).
fn wrapped_lines(text: &str, width: f64) -> usize {
    let chars: f64 = text
        .chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2.0 } else { 1.0 })
        .sum();
    let usable = (width - 1.0).max(1.0);
    (chars / usable).ceil().max(1.0) as usize
}

/// Header texts made unique (Excel tables require it): a repeated header gets ` (2)`, ….
fn unique_headers(cols: &[Column]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    cols.iter()
        .map(|c| {
            let base = if c.header.trim().is_empty() {
                "-".to_string()
            } else {
                c.header.clone()
            };
            let k = seen.entry(base.to_lowercase()).or_insert(0);
            *k += 1;
            if *k == 1 {
                base
            } else {
                format!("{base} ({k})")
            }
        })
        .collect()
}
