"""Finding Moodle's worksheet columns in any language, and telling an LMS column of another assignment.

The layouts follow Moodle's grading table in download mode (mod/assign/gradingtable.php):
identity fields the site shows (ID number, e-mail), a team column, submission text
fields (online text) between "Last modified (submission)" and "Last modified (grade)",
and a worksheet without feedback comments. The Spanish strings are Moodle's es pack's
(recordid Identificador, lastmodifiedgrade Última modificación (calificación)).
"""
from __future__ import annotations

import pytest

from autograder.errors import SourceError
from autograder.pipeline import moodle_sheet
from autograder.pipeline.lms_column import contradiction

COURSE = ["ps1_graphs", "ps2_layers", "ps3_softmax", "ps4_network"]


def _read(tmp_path, text: str) -> moodle_sheet.Worksheet:
    path = tmp_path / "sheet.csv"
    path.write_text(text, encoding="utf-8")
    return moodle_sheet.read(path)


def test_extra_identity_fields_a_team_and_online_text_are_stepped_over(tmp_path):
    sheet = _read(tmp_path,
                  "Identificador,Nombre completo,Número de ID,Dirección de correo,Estado,Grupo,Calificación,"
                  "Calificación máxima,La calificación puede ser cambiada,Última modificación (entrega),"
                  "Texto en línea,Última modificación (calificación),Comentarios de retroalimentación\n"
                  'Participante4001,Ana Gómez,20231234,ana@uni.es,Enviado para calificar,G1,,20.00,Sí,'
                  '"lunes, 14 de septiembre de 2026, 14:00",mi texto,-,\n'
                  'Participante4002,Luis Pérez,20235678,luis@uni.es,No entregado,G1,12.50,20.00,Sí,-,,'
                  '"martes, 15 de septiembre de 2026, 09:30",bien\n')
    assert (sheet.email, sheet.grade, sheet.max_grade, sheet.submitted, sheet.modified, sheet.feedback) == \
        (3, 6, 7, 9, 11, 12)
    assert (sheet.prefix, sheet.participant(sheet.rows[1]), sheet.maximum()) == ("Participante", "4002", 20.0)


def test_a_worksheet_without_feedback_comments_has_no_feedback_column(tmp_path):
    sheet = _read(tmp_path, "식별자,성명,상태,성적,최대 성적,성적 변경 가능,마지막 수정됨(제출),마지막 수정됨(성적)\n"
                            "참가자3001,김민수,제출물 없음,,10.00,예,-,-\n")
    assert (sheet.email, sheet.grade, sheet.modified, sheet.feedback) == (None, 3, 7, None)


@pytest.mark.parametrize("text, why", [
    ("Identifier,Full name\n", "no student rows"),
    ("Name,Grade\nKim,3\n", "participant identifiers"),
    ("Kennung,Name,Status,Bewertung,Skala\nTeilnehmer/in1,Kim,-,,A B\n", "graded by points"),
])
def test_what_is_not_a_grading_worksheet_is_refused_with_the_reason(tmp_path, text, why):
    with pytest.raises(SourceError, match=why):
        _read(tmp_path, text)


@pytest.mark.parametrize("name, assignment, why", [
    ("PS2 Layers (48214)", "ps3_softmax", "it says PS2, not PS3"),
    ("Layers", "ps3_softmax", "it names ps2_layers"),
    ("Grades-CS101-PS3 Softmax-77", "ps1_graphs", "it says PS3, not PS1"),
    ("PS1 Graphs (48213)", "ps1_graphs", None),
    ("Grades-CS101-PS1 Graphs-42", "ps1_graphs", None),
    ("Problem set 2: backprop layers", "ps2_layers", None),
    ("Homework", "ps2_layers", None),          # says nothing either way: the instructor's word
])
def test_a_column_naming_another_assignment_is_a_contradiction(name, assignment, why):
    assert contradiction(name, assignment, COURSE) == why
