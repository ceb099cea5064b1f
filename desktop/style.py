"""The app's look: calm, light, one accent colour (the blue of the French State's design
system), generous spacing. Qt style sheet syntax."""

ACCENT = "#000091"

STYLE = f"""
QMainWindow, QDialog {{ background: #ffffff; }}
QDialogButtonBox {{ dialogbuttonbox-buttons-have-icons: 0; }}
QWidget {{ font-size: 10pt; }}
QListWidget#rail {{
    background: #f5f5fe; border: none; border-right: 1px solid #e3e3fd; padding-top: 8px; outline: 0;
}}
QListWidget#rail::item {{ color: #3a3a3a; border-radius: 8px; margin: 2px 6px; }}
QListWidget#rail::item:selected {{ background: #e3e3fd; color: {ACCENT}; font-weight: bold; }}
QTreeView {{ border: 1px solid #e5e5e5; border-radius: 4px; alternate-background-color: #fafafa; }}
QTreeView::item {{ padding: 5px 4px; }}
QTreeView::item:selected {{ background: #e3e3fd; color: #161616; }}
QHeaderView::section {{
    background: #f6f6f6; border: none; border-bottom: 1px solid #e5e5e5; padding: 6px; color: #555;
}}
QLineEdit, QComboBox {{ border: 1px solid #cecece; border-radius: 4px; padding: 5px 8px; background: #ffffff; }}
QComboBox::drop-down {{ border: none; width: 22px; }}
QLineEdit:focus, QComboBox:focus {{ border: 2px solid {ACCENT}; padding: 4px 7px; }}
QPushButton {{ border: 1px solid {ACCENT}; border-radius: 4px; padding: 6px 14px; color: {ACCENT}; background: #fff; }}
QPushButton:default {{ background: {ACCENT}; color: #ffffff; }}
QPushButton:disabled {{ border-color: #cecece; color: #929292; background: #f6f6f6; }}
QPushButton:hover {{ background: #f5f5fe; }}
QPushButton:default:hover {{ background: #1212ff; }}
QToolBar {{ background: #ffffff; border: none; border-bottom: 1px solid #eeeeee; spacing: 2px; padding: 4px; }}
QToolButton {{ border-radius: 4px; padding: 4px 7px; color: #161616; }}
QToolBar#readerActions QToolButton {{ color: #000091; padding: 4px 6px; }}
QToolButton:hover {{ background: #eeeeee; }}
QToolButton:checked {{ background: #e3e3fd; color: {ACCENT}; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ padding: 7px 14px; border: none; color: #555; }}
QTabBar::tab:selected {{ color: {ACCENT}; border-bottom: 2px solid {ACCENT}; }}
QTextEdit#page {{ border: none; background: #ffffff; }}
QListView#documents {{ border: 1px solid #e5e5e5; border-radius: 4px; background: #ffffff; outline: 0; }}
QListView#documents::item {{ border-bottom: 1px solid #f0f0f0; }}
QListView#documents::item:selected {{ background: #e3e3fd; }}
QStatusBar {{ background: #f6f6f6; border-top: 1px solid #e5e5e5; color: #3a3a3a; }}
QStatusBar QToolButton {{ color: {ACCENT}; }}
QLabel#error {{ color: #ce0500; }}
QPushButton#readerAction {{ padding: 4px 9px; }}
QTreeView#messages::item {{ padding: 4px 2px; border-bottom: 1px solid #f0f0f0; }}
QWidget#remoteBar {{ background: #fff4cc; border-radius: 4px; }}
QLabel#syncError {{ color: #ce0500; }}
QLabel#hint {{ color: #666666; }}
QLabel#emptyState {{ color: #666666; }}
QGroupBox {{ border: 1px solid #e5e5e5; border-radius: 6px; margin-top: 14px; padding: 10px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #161616; font-weight: bold; }}
QMenuBar {{ background: #ffffff; border-bottom: 1px solid #eeeeee; }}
"""
