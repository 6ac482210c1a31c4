# mbox.mk — shared build rules for statelab middleboxes (optional to use).
# A middlebox Makefile sets, then includes this file:
#   NAME   := nat
#   SRCS   := nat.c table.c ../common/pkt.c ../common/mbox_io.c   # = mbox.json "sources"
#   LDLIBS := -lpthread            # optional extra libraries (-lpcap is added)
#   include ../common/mbox.mk
# Targets: all → build/$(NAME), asan → build/$(NAME)-asan, fuzz → build/$(NAME)-fuzz
# (from fuzz.c; compiled with -DMBOX_FUZZ so the middlebox can hide its main()
# behind #ifndef MBOX_FUZZ — libFuzzer supplies main), clean.
# BUILD may name a subfolder of build/ (tests use one so that concurrent test
# files never write the same binary).
BUILD    ?= build
CC       ?= gcc
FUZZCC   ?= clang
MBOX_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -I../common $(EXTRA_CFLAGS)
MBOX_DEPS := $(SRCS) $(wildcard *.h) $(wildcard ../common/*.h) Makefile
override LDLIBS += -lpcap

.PHONY: all asan fuzz clean
all: $(BUILD)/$(NAME)
asan: $(BUILD)/$(NAME)-asan
fuzz: $(BUILD)/$(NAME)-fuzz

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/$(NAME): $(MBOX_DEPS) | $(BUILD)
	$(CC) $(MBOX_CFLAGS) -O2 -g -o $@ $(SRCS) $(LDLIBS)

$(BUILD)/$(NAME)-asan: $(MBOX_DEPS) | $(BUILD)
	$(CC) $(MBOX_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer -g -O1 -o $@ $(SRCS) $(LDLIBS)

$(BUILD)/$(NAME)-fuzz: $(MBOX_DEPS) fuzz.c | $(BUILD)
	$(FUZZCC) $(MBOX_CFLAGS) -DMBOX_FUZZ -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -g -O1 -o $@ fuzz.c $(SRCS) $(LDLIBS)

clean:
	rm -rf build
