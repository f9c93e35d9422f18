#!/bin/bash
# tsapiWordCount: a Torrent Suite plugin written in Go with tsapi. It counts
# the lines, words and bytes of a text file and stores the counts in its
# plugin result. See README.md in this folder.
#
# Torrent Suite does not run this file as it is. It reads the VERSION line
# below when it scans the plugin folder, and when it launches the plugin it
# copies the lines of this file (all but those starting with "#!" or "#$")
# into a wrapper script of its own. The wrapper runs in the plugin's output
# folder, next to the startplugin.json Torrent Suite wrote there, with the
# plugin's folder in $DIRNAME and the grid-engine job id in $JOB_ID; it
# reports Started before these lines run, and Completed or Error by their
# exit status.
#
# On Torrent Suite 4.x the next line keeps the plugin from being set to run
# automatically after every analysis; later versions ignore it.
#AUTORUNDISABLE

VERSION="1.0.0"

# $DIRNAME is unset when this file is run by hand: then use its own folder.
"${DIRNAME:-$(cd "$(dirname "$0")" && pwd)}/tsapiWordCount" -startplugin ./startplugin.json
