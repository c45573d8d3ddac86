/* Broker URL, id and kind checks of the network group (hal_net.h). */
#include "hal_net.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int net_parse_url(const char *url, net_url_t *out, char *why, size_t cap) {
  const char *rest;
  memset(out, 0, sizeof(*out));
  if (url == NULL) {
    snprintf(why, cap, "no broker URL");
    return -1;
  }
  if (strncmp(url, "mqtt://", 7) == 0) {
    rest = url + 7;
  } else if (strncmp(url, "mqtts://", 8) == 0) {
    rest = url + 8;
    out->tls = true;
  } else {
    snprintf(why, cap, "broker URL %s must start with mqtt:// or mqtts://", url);
    return -1;
  }
  out->port = out->tls ? 8883 : 1883;
  const char *host = rest, *end;
  if (*rest == '[') {
    host = rest + 1;
    end = strchr(host, ']');
    if (end == NULL) {
      snprintf(why, cap, "broker URL %s: unclosed [ in the host", url);
      return -1;
    }
    rest = end + 1;
  } else {
    end = host + strcspn(host, ":/");
    rest = end;
  }
  size_t n = (size_t)(end - host);
  if (n == 0 || n >= sizeof(out->host)) {
    snprintf(why, cap, "broker URL %s has no valid host", url);
    return -1;
  }
  memcpy(out->host, host, n);
  out->host[n] = '\0';
  if (*rest == ':') {
    char *stop;
    long p = strtol(rest + 1, &stop, 10);
    if (stop == rest + 1 || p < 1 || p > 65535 || (*stop != '\0' && strcmp(stop, "/") != 0)) {
      snprintf(why, cap, "broker URL %s: port must be 1..65535", url);
      return -1;
    }
    out->port = (int)p;
  } else if (*rest != '\0' && strcmp(rest, "/") != 0) {
    snprintf(why, cap, "broker URL %s: unexpected \"%s\" after the host", url, rest);
    return -1;
  }
  return 0;
}

int net_parse_urls(const char *list, net_url_t *out, int max, char *why, size_t cap) {
  if (list == NULL) {
    snprintf(why, cap, "no broker URL");
    return -1;
  }
  int n = 0;
  for (const char *p = list;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char one[300];
    if (len == 0) {
      snprintf(why, cap, "broker list %.200s has an empty entry", list);
      return -1;
    }
    if (len >= sizeof(one)) {
      snprintf(why, cap, "broker URL %.40s... is too long", p);
      return -1;
    }
    if (n == max) {
      snprintf(why, cap, "broker list %.200s has more than %d URLs", list, max);
      return -1;
    }
    memcpy(one, p, len);
    one[len] = '\0';
    if (net_parse_url(one, &out[n], why, cap) != 0) return -1;
    if (out[n].tls != out[0].tls) {
      snprintf(why, cap, "broker list %.200s mixes mqtt:// and mqtts://", list);
      return -1;
    }
    n++;
    if (end == NULL) return n;
    p = end + 1;
  }
}

int net_valid_id(const char *id) {
  size_t n = id ? strlen(id) : 0;
  if (n == 0 || n > 64 || !isalnum((unsigned char)id[0])) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)id[i];
    if (!(isalnum(c) || c == '.' || c == '_' || c == '-')) return 0;
  }
  return 1;
}

int net_valid_kind(const char *kind, size_t n) {
  static const char *const kinds[] = { "telemetry", "alert", "status", "model", "reply", "alarm" };
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if (strlen(kinds[i]) == n && memcmp(kinds[i], kind, n) == 0) return 1;
  return 0;
}
