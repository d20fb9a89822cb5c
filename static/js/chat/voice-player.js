// Owns listening: the voice notes' players (play/pause, progress, time; one plays at a time) and her replies
// read aloud by the speaker button (the TTS server's audio when set up, else the browser's voice in her language).
import { formatDuration, idOf, textOf } from "./message.js";

export function createVoicePlayer(ctx) {
  const { list, root } = ctx;
  const serverSpeech = root.dataset.speech === "server";
  const language = (root.dataset.language || "en").toLowerCase();
  const synthesis = "speechSynthesis" in window ? window.speechSynthesis : null;
  let playing = null;               // the <audio> of the voice note playing now
  let speaking = null;              // {button, audio?}: her message being read aloud

  if (!serverSpeech && !synthesis) root.classList.add("chat--no-speech");

  const playerOf = (target) => (target instanceof HTMLAudioElement ? target.closest(".voice-note") : null);

  function lengthOf(player, audio) {
    const declared = Number.parseInt(player.dataset.durationMs, 10) || 0;
    return declared || (Number.isFinite(audio.duration) ? audio.duration * 1000 : 0);
  }

  function toggle(player) {
    const audio = player.querySelector("audio");
    if (!audio.paused) {
      audio.pause();
      return;
    }
    if (playing && playing !== audio) playing.pause();
    stopSpeaking();
    audio.play().catch(() => ctx.notices.show("This voice note could not be played."));
  }

  function showPlaying(player, isPlaying) {
    player.classList.toggle("voice-note--playing", isPlaying);
    player.querySelector(".voice-note__play").setAttribute("aria-label", isPlaying ? "Pause voice note" : "Play voice note");
  }

  // Media events do not bubble: the list listens in the capture phase.
  list.addEventListener("play", (event) => {
    const player = playerOf(event.target);
    if (!player) return;
    playing = event.target;
    showPlaying(player, true);
  }, true);
  list.addEventListener("pause", (event) => {
    const player = playerOf(event.target);
    if (!player) return;
    if (playing === event.target) playing = null;
    showPlaying(player, false);
  }, true);
  list.addEventListener("timeupdate", (event) => {
    const player = playerOf(event.target);
    if (!player) return;
    const audio = event.target;
    const total = lengthOf(player, audio);
    const played = audio.currentTime * 1000;
    player.querySelector(".voice-note__progress").value = total ? Math.min(1000, Math.round((played / total) * 1000)) : 0;
    player.querySelector(".voice-note__time").textContent = formatDuration(audio.paused ? total : Math.max(0, total - played));
  }, true);
  list.addEventListener("ended", (event) => {
    const player = playerOf(event.target);
    if (!player) return;
    player.querySelector(".voice-note__progress").value = 0;
    player.querySelector(".voice-note__time").textContent = formatDuration(lengthOf(player, event.target));
    showPlaying(player, false);
  }, true);

  // ------------------------------------------------------------ her words read aloud

  function stopSpeaking() {
    if (!speaking) return;
    const { button, audio } = speaking;
    speaking = null;
    button.classList.remove("message__speak--speaking");
    if (audio) audio.pause();
    else if (synthesis) synthesis.cancel();
  }

  function browserVoice() {
    const voices = synthesis.getVoices();
    return voices.find((voice) => voice.lang.toLowerCase().startsWith(language) && voice.localService)
      || voices.find((voice) => voice.lang.toLowerCase().startsWith(language)) || null;
  }

  function speakInBrowser(button, text) {
    if (!synthesis) {
      ctx.notices.show("This browser cannot read messages aloud.");
      return;
    }
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = language;
    const voice = browserVoice();
    if (voice) utterance.voice = voice;
    const current = { button };
    utterance.addEventListener("end", () => { if (speaking === current) stopSpeaking(); });
    utterance.addEventListener("error", () => { if (speaking === current) stopSpeaking(); });
    synthesis.cancel();
    speaking = current;
    button.classList.add("message__speak--speaking");
    synthesis.speak(utterance);
  }

  function speak(node, button) {
    const wasMine = speaking && speaking.button === button;
    stopSpeaking();
    if (wasMine) return;            // a second press stops it
    if (playing) playing.pause();
    const text = textOf(node).trim();
    if (!text) return;
    if (!serverSpeech || !idOf(node)) {
      speakInBrowser(button, text);
      return;
    }
    const audio = new Audio(`/api/messages/${idOf(node)}/speech`);
    const current = { button, audio };
    speaking = current;
    button.classList.add("message__speak--speaking");
    audio.addEventListener("ended", () => { if (speaking === current) stopSpeaking(); });
    const fallBack = () => {
      if (speaking !== current) return;
      speaking = null;
      button.classList.remove("message__speak--speaking");
      speakInBrowser(button, text);
    };
    audio.addEventListener("error", fallBack);
    audio.play().catch((error) => { if (error && error.name !== "AbortError") fallBack(); });
  }

  list.addEventListener("click", (event) => {
    const play = event.target.closest(".voice-note__play");
    if (play) {
      toggle(play.closest(".voice-note"));
      return;
    }
    const progress = event.target.closest(".voice-note__progress");
    if (progress) {
      const player = progress.closest(".voice-note");
      const audio = player.querySelector("audio");
      const box = progress.getBoundingClientRect();
      const total = lengthOf(player, audio);
      if (total && box.width) audio.currentTime = (((event.clientX - box.left) / box.width) * total) / 1000;
      return;
    }
    const button = event.target.closest(".message__speak");
    if (button) speak(button.closest(".message"), button);
  });

  return { stopSpeaking };
}
