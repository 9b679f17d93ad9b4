"""Neovim's built-in LSP client, started headless with the configuration of docs/editors.md, gets the diagnostics.

Skipped where Neovim is absent. Neovim 0.7 lacks ``vim.lsp.start`` and
``vim.fs``, which the documented configuration uses (0.8 and later): the
test gives it small equivalents, so the configuration runs unchanged there too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_server import make_project

pytest.importorskip("pygls")
NVIM = shutil.which("nvim")
pytestmark = pytest.mark.skipif(NVIM is None, reason="Neovim is not installed")

DOCS = Path(__file__).resolve().parent.parent / "docs" / "editors.md"

SHIMS = """
if vim.fs == nil then
  vim.fs = {}
  function vim.fs.dirname(path) return vim.fn.fnamemodify(path, ":h") end
  function vim.fs.find(names, opts)
    for _, name in ipairs(names) do
      local found = vim.fn.findfile(name, opts.path .. ";")
      if found == "" then found = vim.fn.finddir(name, opts.path .. ";") end
      if found ~= "" then return { vim.fn.fnamemodify(found, ":p") } end
    end
    return {}
  end
end
if vim.lsp.start == nil then
  function vim.lsp.start(config)
    local id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(0, id)
    return id
  end
end
"""

REPORT = """
vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    local done = vim.wait(30000, function()
      for _, d in ipairs(vim.diagnostic.get(0)) do
        if (d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)) == "AIL501" then return true end
      end
      return false
    end, 50)
    local found = {}
    for _, d in ipairs(vim.diagnostic.get(0)) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      table.insert(found, { code = code, line = d.lnum + 1, column = d.col + 1 })
    end
    vim.fn.writefile({ vim.fn.json_encode({ done = done, diagnostics = found }) }, vim.env.AILINT_REPORT)
    vim.cmd("qa!")
  end,
})
"""


def documented_configuration() -> str:
    found = re.search(r"```lua\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert found is not None, "docs/editors.md has no Lua configuration"
    return found.group(1)


def test_neovim_receives_the_diagnostics_of_ailint_check(tmp_path: Path) -> None:
    assert NVIM is not None
    (tmp_path / "project").mkdir()
    root = make_project(tmp_path / "project")
    config = tmp_path / "init.lua"
    config.write_text(SHIMS + documented_configuration() + REPORT)
    report = tmp_path / "report.json"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AILINT_REPORT": str(report),
        "XDG_STATE_HOME": str(tmp_path / "state"),  # Neovim's LSP log goes there, not into the home folder
    }
    subprocess.run(
        [NVIM, "--headless", "-n", "-i", "NONE", "-u", str(config), "app/main.py"],
        cwd=root,
        env=env,
        timeout=90,
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    found = json.loads(report.read_text())
    assert found["done"], found
    checked = subprocess.run(
        [sys.executable, "-m", "ailint", "check", "--no-cache", "--format", "json", "app/main.py"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    expected = {(d["code"], d["line"], d["column"]) for d in json.loads(checked.stdout)["diagnostics"]}
    assert {(d["code"], d["line"], d["column"]) for d in found["diagnostics"]} == expected
