"""Every word the room shows outside the captions, in English and Simplified Chinese.

Kept as data in one place so that the font subset script can collect the
characters it must keep (``assets/fonts/make_subset.py``) and the tests can
check that each one has a glyph in the shipped font.
"""

from __future__ import annotations

#: key -> {language: text}. ``{n}`` is filled in with a number.
STRINGS: dict[str, dict[str, str]] = {
    "title": {"en": "MONITORING ROOM", "zh": "监控室"},
    "effect.blur": {"en": "BLUR", "zh": "模糊"},
    "effect.pixelate": {"en": "PIXELATE", "zh": "马赛克"},
    "effect.solid": {"en": "SOLID", "zh": "遮挡"},
    "effect.exposed": {"en": "EXPOSED", "zh": "暴露"},
    "strength": {"en": "STRENGTH", "zh": "强度"},
    "boxes": {"en": "MACHINE VIEW", "zh": "机器视角"},
    "camera": {"en": "CAMERA", "zh": "镜头"},
    "effect": {"en": "EFFECT", "zh": "效果"},
    "lamp.hidden": {"en": "HIDDEN", "zh": "隐藏"},
    "lamp.exposed": {"en": "EXPOSED", "zh": "暴露"},
    "live": {"en": "LIVE", "zh": "直播"},
    "off_air": {"en": "OFF AIR", "zh": "无信号"},
    "faces": {"en": "{n} FACES", "zh": "{n} 张脸"},
    "face": {"en": "1 FACE", "zh": "1 张脸"},
    "no_faces": {"en": "NO FACES", "zh": "没有人脸"},
    "tally": {"en": "ON THE BIG SCREEN", "zh": "大屏画面"},
    "signal_lost": {"en": "SIGNAL LOST", "zh": "信号中断"},
    "reconnecting": {"en": "trying again by itself", "zh": "正在自动重连"},
    "starting": {"en": "STARTING", "zh": "正在启动"},
    "analysing": {"en": "ANALYSING", "zh": "正在处理"},
    "failed": {"en": "PROCESSING FAILED", "zh": "处理出错"},
    "restarting": {"en": "restarting by itself", "zh": "正在自动重启"},
    "all_hidden": {"en": "WHOLE PICTURE HIDDEN", "zh": "整幅画面已隐藏"},
    "nothing_recorded": {
        "en": "Nothing here is recorded, stored or sent anywhere.",
        "zh": "这里的画面不录制、不保存、不外传。",
    },
    "attract.title": {"en": "Step closer. The cameras are watching.", "zh": "走近一点。摄像头正在看着。"},
    "attract.sub": {
        "en": "Touch the buttons to decide what they see.",
        "zh": "触摸按钮，决定它们能看到什么。",
    },
    "evasion": {"en": "The machine lost you.", "zh": "机器看不见你了。"},
    "board.connected": {"en": "board connected", "zh": "面板已连接"},
    "board.none": {"en": "no board", "zh": "未连接面板"},
    "panel": {"en": "INDICATOR PANEL", "zh": "指示面板"},
    "language": {"en": "EN", "zh": "中文"},
    # the gallery kiosk: facilitator panel, aiming mode, closed hours
    "kiosk.pin": {"en": "FACILITATOR PIN", "zh": "管理员密码"},
    "kiosk.wrong_pin": {"en": "Wrong PIN", "zh": "密码错误"},
    "kiosk.locked": {"en": "Too many tries: wait {n} s", "zh": "尝试次数过多：请等 {n} 秒"},
    "kiosk.delete": {"en": "DEL", "zh": "删除"},
    "kiosk.ok": {"en": "OK", "zh": "确定"},
    "kiosk.cancel": {"en": "CANCEL", "zh": "取消"},
    "kiosk.panel": {"en": "FACILITATOR", "zh": "管理员"},
    "kiosk.aim": {"en": "AIM CAMERAS", "zh": "校准镜头"},
    "kiosk.reload": {"en": "RELOAD CONFIG", "zh": "重新载入设置"},
    "kiosk.quit": {"en": "QUIT", "zh": "退出"},
    "kiosk.confirm_quit": {"en": "QUIT? TAP AGAIN", "zh": "确认退出？再按一次"},
    "kiosk.close": {"en": "CLOSE", "zh": "关闭"},
    "kiosk.lock_steering": {"en": "LOCK STEERING", "zh": "关闭操控"},
    "kiosk.unlock_steering": {"en": "ALLOW STEERING", "zh": "开放操控"},
    "steer": {"en": "STEER", "zh": "操控"},
    "steer.locked": {"en": "STEERING OFF", "zh": "操控已关闭"},
    "kiosk.reloaded": {"en": "Config reloaded.", "zh": "设置已重新载入。"},
    "kiosk.reload_failed": {
        "en": "The config has an error; the old one keeps running:",
        "zh": "设置有错误，继续使用原来的设置：",
    },
    "kiosk.closed": {"en": "CLOSED", "zh": "闭馆"},
    "kiosk.opens": {"en": "Opens {t}", "zh": "开放时间：{t}"},
    "kiosk.tomorrow": {"en": "tomorrow", "zh": "明天"},
    "kiosk.aiming": {"en": "AIMING", "zh": "校准镜头"},
    "kiosk.aiming_help": {
        "en": "Point each camera so that every visitor's face gets a cyan box. Faces stay hidden.",
        "zh": "调整每个镜头，让每位观众的脸都出现青色框。人脸仍然隐藏。",
    },
    "kiosk.light_ok": {"en": "light OK", "zh": "光线正常"},
    "kiosk.too_dark": {"en": "too dark", "zh": "太暗"},
    "kiosk.too_bright": {"en": "too bright", "zh": "太亮"},
    "kiosk.backlit": {"en": "faces backlit", "zh": "人脸逆光"},
    "kiosk.weekdays": {"en": "Mon Tue Wed Thu Fri Sat Sun", "zh": "周一 周二 周三 周四 周五 周六 周日"},
    "kiosk.date": {"en": "{day} {month}", "zh": "{month}月{day}日"},
}

#: Characters the shipped fonts must carry beyond the strings: printable ASCII
#: and the symbols the interface draws as text.
EXTRA_CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "·•…—–‹›°×±"


def text(key: str, language: str, **values: object) -> str:
    """The string ``key`` in ``language`` (English when missing), with ``{n}`` filled.

    >>> text("faces", "zh", n=3)
    '3 张脸'
    >>> text("evasion", "en")
    'The machine lost you.'
    """
    entry = STRINGS[key]
    s = entry.get(language) or entry["en"]
    return s.format(**values) if values else s


def faces_text(n: int, language: str) -> str:
    """The face count as a label: ``NO FACES``, ``1 FACE``, ``3 FACES``.

    >>> faces_text(1, "en"), faces_text(0, "zh")
    ('1 FACE', '没有人脸')
    """
    if n == 0:
        return text("no_faces", language)
    if n == 1:
        return text("face", language)
    return text("faces", language, n=n)


def all_strings() -> list[str]:
    """Every interface string in every language (for the font subset and its test)."""
    return [s for entry in STRINGS.values() for s in entry.values()] + [EXTRA_CHARACTERS]
