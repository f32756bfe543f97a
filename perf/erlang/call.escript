#!/usr/bin/env escript
%% -*- erlang -*-
%%! +S 1:1 +sbt db
%% gen_server:call round trips on one scheduler: the peer of
%% perf/micro/bench_call.cc's BM_CallReply (scripts/bench-otp runs both).
%% A gen_server that answers every call with what it got; one client calls
%% it N times back to back (default timeout, 5000 ms, as BM_CallReply).
%% Prints one line: calls, ns per call (best of REPEATS runs, and each run).
-module(call_bench).
-mode(compile).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2]).

init([]) -> {ok, 0}.
handle_call(Msg, _From, N) -> {reply, Msg, N + 1}.
handle_cast(_Msg, N) -> {noreply, N}.

loop(_Pid, 0) -> ok;
loop(Pid, N) ->
    {ping, N} = gen_server:call(Pid, {ping, N}),
    loop(Pid, N - 1).

run(Pid, N) ->
    T0 = erlang:monotonic_time(nanosecond),
    loop(Pid, N),
    T1 = erlang:monotonic_time(nanosecond),
    (T1 - T0) / N.

main(Args) ->
    {N, Repeats} = case Args of
        [A, B] -> {list_to_integer(A), list_to_integer(B)};
        [A] -> {list_to_integer(A), 3};
        [] -> {1000000, 3}
    end,
    {ok, Pid} = gen_server:start(?MODULE, [], []),
    _ = run(Pid, N div 10), % warm-up
    Runs = [run(Pid, N) || _ <- lists:seq(1, Repeats)],
    io:format("erlang gen_server:call calls=~b ns_per_call_best=~.1f runs=~s schedulers=~b~n",
              [N, lists:min(Runs), string:join([io_lib:format("~.1f", [R]) || R <- Runs], ","),
               erlang:system_info(schedulers_online)]).
