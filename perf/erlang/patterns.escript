#!/usr/bin/env escript
%% -*- erlang -*-
%%! +S 1:1 +sbt db
%% Two OTP patterns on one scheduler, the peers of perf/micro/bench_call.cc's
%% BM_TaskStartResult and BM_TimerSetCancel (scripts/bench-otp runs both):
%%  - task: what Elixir's Task.async/await does in Erlang terms: a process
%%    spawned and monitored that sends its result back, the result received
%%    with a 5000 ms timeout, the monitor dropped (as bl_task_start with a
%%    5000 ms timeout: spawn, call, the job's turn, its exit, the answer);
%%  - timer: erlang:send_after(5000, self(), tick) then
%%    erlang:cancel_timer/1 before it fires (bl_send_after + bl_timer_cancel).
%% Prints one line a pattern: count, ns each (best of REPEATS runs, and each).
-module(patterns_bench).
-mode(compile).
-export([main/1]).

task(N) ->
    Parent = self(),
    {Pid, Ref} = spawn_monitor(fun() -> Parent ! {self(), N + 1} end),
    receive
        {Pid, Result} ->
            erlang:demonitor(Ref, [flush]),
            Result
    after 5000 ->
        erlang:demonitor(Ref, [flush]),
        exit(task_timeout)
    end.

tasks(0) -> ok;
tasks(N) ->
    R = task(N),
    R = N + 1,
    tasks(N - 1).

timers(0) -> ok;
timers(N) ->
    T = erlang:send_after(5000, self(), tick),
    true = is_integer(erlang:cancel_timer(T)),
    timers(N - 1).

run(F, N) ->
    T0 = erlang:monotonic_time(nanosecond),
    F(N),
    T1 = erlang:monotonic_time(nanosecond),
    (T1 - T0) / N.

report(Name, F, N, Repeats) ->
    _ = run(F, N div 10), % warm-up
    Runs = [run(F, N) || _ <- lists:seq(1, Repeats)],
    io:format("erlang ~s count=~b ns_best=~.1f runs=~s schedulers=~b~n",
              [Name, N, lists:min(Runs),
               string:join([io_lib:format("~.1f", [R]) || R <- Runs], ","),
               erlang:system_info(schedulers_online)]).

main(Args) ->
    {N, Repeats} = case Args of
        [A, B] -> {list_to_integer(A), list_to_integer(B)};
        [A] -> {list_to_integer(A), 3};
        [] -> {1000000, 3}
    end,
    report("task", fun tasks/1, N, Repeats),
    report("timer", fun timers/1, N, Repeats),
    %% No tick may be left: every timer was cancelled before it fired.
    receive tick -> io:format("erlang timer fired~n"), halt(1) after 0 -> ok end.
