import io

from tensorweb.converter.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_bar_is_drawn_on_a_terminal_and_ends_with_a_newline():
    stream = Terminal()
    progress = Progress(stream=stream)
    progress.stage("lowering", 4)
    for _ in range(4):
        progress.advance()
    progress.finish()
    text = stream.getvalue()
    assert "lowering" in text and "100%" in text and text.endswith("\n") and "\r" in text


def test_nothing_is_drawn_off_a_terminal_unless_asked():
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.stage("writing", 10)
    progress.advance(10)
    progress.finish()
    assert stream.getvalue() == ""
    asked = Progress(enabled=True, stream=stream)
    asked.stage("writing", 2)
    asked.finish()
    assert "writing" in stream.getvalue()


def test_a_bar_cut_short_ends_its_line_without_claiming_the_end():
    stream = Terminal()
    progress = Progress(stream=stream)
    progress.stage("writing", 10)
    progress.advance(3)
    progress.close()
    text = stream.getvalue()
    assert text.endswith("\n") and "100%" not in text
    progress.close()  # nothing more once the line is ended
    assert stream.getvalue() == text
